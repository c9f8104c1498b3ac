package erofs_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/reprovm/reprovm/images/erofs"
)

func ExampleReadMap() {
	var img bytes.Buffer
	err := erofs.Write(&img, []erofs.Entry{
		{Path: "src/main.go", Mode: 0o644, Data: bytes.Repeat([]byte("package main\n"), 1000)},
		{Path: "src/go.mod", Mode: 0o644, Data: []byte("module example\n")},
	}, erofs.Options{BlockSize: 4096})
	if err != nil {
		log.Fatal(err)
	}
	m, err := erofs.ReadMap(bytes.NewReader(img.Bytes()), int64(img.Len()))
	if err != nil {
		log.Fatal(err)
	}
	// What the image holds in the two blocks from byte 4096.
	for _, e := range m.Lookup(4096, 8192) {
		fmt.Printf("%d+%d: %v of %s at %d\n", e.Off, e.Len, e.Kind, e.Paths[0], e.FileOff)
	}
	// The files a guest touched by reading the first of them.
	for _, u := range m.Files([]erofs.Range{{Off: 4096, Len: 4096}}) {
		fmt.Printf("%s: %d of %d bytes in data blocks\n", u.Paths[0], u.Data, u.Size)
	}
	// Output:
	// 4096+8192: data of src/main.go at 0
	// src/main.go: 4096 of 13000 bytes in data blocks
}
