//go:build linux

package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// Block-device and random ioctls (include/uapi/linux/fs.h, random.h).
const (
	blkflsbuf     = 0x1261 // _IO(0x12, 97): write back and drop the device's cached pages
	rndreseedcrng = 0x5207 // _IO('R', 0x07): reseed the kernel's CRNG from its input pool
)

// signalReady writes a Ready header at offset 0 of the output drive,
// bypassing the page cache (O_DIRECT), so that the device sees the write
// inside this call: the host stops the machine there (the ready point, see
// proto.Boot) and attaches the job.
func signalReady(out string) error {
	d, err := openDirect(out)
	if err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	defer d.close()
	if err := d.writeHeader(&proto.Header{State: proto.Ready}); err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	return nil
}

// readJob reads the job from the job drive, after dropping what the kernel
// cached of the job drive and the input slots before the ready point (the
// partition scan at probe read their first sectors, as zeros). It then
// mixes the job into the kernel's entropy pool and reseeds, so that guest
// randomness after the ready point is a function of the image and the job
// (the FDT's seed depends on the image only).
func readJob(ds *driveSet) (*proto.Job, error) {
	for _, dev := range append([]string{ds.job}, ds.slots[:]...) {
		if dev == "" {
			continue
		}
		if err := flushDevice(dev); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(ds.job)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	job, js, err := proto.ReadJobDrive(f)
	if err != nil {
		return nil, err
	}
	if err := reseed(js); err != nil {
		return nil, err
	}
	return job, nil
}

// flushDevice drops the block device's cached pages (BLKFLSBUF).
func flushDevice(dev string) error {
	f, err := os.Open(dev)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), blkflsbuf, 0); e != 0 {
		return fmt.Errorf("BLKFLSBUF %s: %w", dev, e)
	}
	return nil
}

// reseed mixes the SHA-256 of data into the kernel's input pool (a write
// to /dev/urandom mixes without crediting entropy) and makes the CRNG
// reseed from it at once (RNDRESEEDCRNG), instead of at its next periodic
// reseed.
func reseed(data []byte) error {
	f, err := os.OpenFile("/dev/urandom", os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	defer f.Close()
	sum := sha256.Sum256(append([]byte("reprovm job seed v1\x00"), data...))
	if _, err := f.Write(sum[:]); err != nil {
		return fmt.Errorf("reseed: %w", err)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), rndreseedcrng, 0); e != 0 {
		return fmt.Errorf("reseed: RNDRESEEDCRNG: %w", e)
	}
	return nil
}
