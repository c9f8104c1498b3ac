// Command hello-go is reprovm's Go example: a program with one
// third-party module dependency (github.com/cespare/xxhash/v2), built
// for GOOS=wasip1 inside the machine from a dependency tree that entered
// by CID. Its output is a pure function of its source: a greeting and
// the XXH64 hash of the greeting, with no clock and no randomness.
//
// It writes through os.Stdout and formats with strconv rather than fmt
// so that the build compiles as little of the standard library as it
// can: the machine compiles at about 150 million instructions a second.
package main

import (
	"os"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

const greeting = "hello from reprovm"

func main() {
	sum := xxhash.Sum64String(greeting)
	os.Stdout.WriteString(greeting + "\n" +
		"xxh64(" + strconv.Quote(greeting) + ") = " + strconv.FormatUint(sum, 16) + "\n")
}
