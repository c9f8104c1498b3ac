package meta_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"

	"github.com/reprovm/reprovm/meta"
)

// module is the smallest wasm module: the header, no sections.
var module = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

func ExampleStampWasm() {
	sum := sha256.Sum256(module)
	s := &meta.Stamp{
		Format:    meta.FormatVersion,
		Reprovm:   "0.1.0",
		Emulator:  "1.0.0",
		Image:     "bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m",
		Source:    meta.Source{CID: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"},
		Argv:      []string{"make", "app.wasm"},
		Workdir:   "/src",
		Machine:   meta.Machine{Bootargs: "console=ttyS0", MaxInsns: 1e10, RAMSize: 2 << 30},
		Instret:   123456789,
		LogSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		Outputs:   []meta.Output{{Path: "/out/app.wasm", SHA256: hex.EncodeToString(sum[:]), Size: uint64(len(module))}},
	}
	stamped, err := meta.StampWasm(module, s, meta.FormatContractMetaV0)
	if err != nil {
		log.Fatal(err)
	}

	got, err := meta.ReadStamp(context.Background(), stamped)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("command:", got.Argv, "in", got.Workdir)
	fmt.Println("instructions:", got.Instret)

	core, _, err := meta.Core(stamped)
	if err != nil {
		log.Fatal(err)
	}
	coreSum := sha256.Sum256(core)
	fmt.Println("core is the module:", len(core) == len(module), hex.EncodeToString(coreSum[:]) == got.Outputs[0].SHA256)

	_, err = meta.ReadStamp(context.Background(), core)
	fmt.Println(errors.Is(err, meta.ErrNotStamped))
	// Output:
	// command: [make app.wasm] in /src
	// instructions: 123456789
	// core is the module: true true
	// true
}
