package deps_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/reprovm/reprovm/builder/deps"
)

// The host prepares a Go module's dependencies; the tree's CID goes into
// reprovm.toml as gomod = "CID", and the guest builds with GoEnv.
func ExampleGo() {
	ctx := context.Background()
	if err := deps.Go(ctx, "testdata/examples/hello-go", "/tmp/hello-go-deps", os.Stderr); err != nil {
		log.Fatal(err)
	}
}

func ExampleGoEnv() {
	env, err := deps.GoEnv("gomod")
	if err != nil {
		log.Fatal(err)
	}
	for _, kv := range env {
		fmt.Println(kv)
	}
	// Output:
	// GOPROXY=file:///deps/gomod
	// GOSUMDB=off
	// GOFLAGS=-mod=mod -trimpath
	// GOMODCACHE=/tmp/gomodcache
	// GOWORK=off
	// GOTOOLCHAIN=local
}

func ExampleCargoConfig() {
	cfg, err := deps.CargoConfig("crates")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(cfg)
	// Output:
	// # reprovm: crates.io packages come from the vendored tree at /deps/crates.
	// [source.crates-io]
	// replace-with = "vendored-sources"
	//
	// [source.vendored-sources]
	// directory = "/deps/crates"
	//
	// [net]
	// offline = true
}
