package proto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// The job drive ([JobSerial]) holds the job, attached by the host after
// the ready point. Little-endian:
//
//	offset size
//	0      12   magic "REPROVM-JOB\x00"
//	12     4    format version, 1
//	16     8    length of the job's JSON
//	24     32   SHA-256 of the JSON
//	56     456  zero
//	512    ...  the JSON ([Job.Marshal])
//
// The drive has a fixed capacity, [JobDriveSize]; what the host does not
// fill reads as zeros. A drive that is all zeros at offset 0 means the host
// attached no job.
const (
	JobMagic        = "REPROVM-JOB\x00"
	JobDriveVersion = 1
	// JobDriveSize is the job drive's capacity: 4 MiB, twice what Linux
	// lets argv and the environment of one execve take together (a quarter
	// of the default 8 MiB stack limit), so any job the command could be
	// started with fits.
	JobDriveSize = 4 << 20
	jobHeaderLen = 512
)

// EncodeJobDrive returns the job drive's contents for j (the header and
// the JSON; the rest of the drive is zeros).
func EncodeJobDrive(j *Job) ([]byte, error) {
	js, err := j.Marshal()
	if err != nil {
		return nil, err
	}
	if len(js) > JobDriveSize-jobHeaderLen {
		return nil, fmt.Errorf("job: %d bytes of JSON; the job drive holds at most %d", len(js), JobDriveSize-jobHeaderLen)
	}
	b := make([]byte, jobHeaderLen+len(js))
	copy(b, JobMagic)
	binary.LittleEndian.PutUint32(b[12:], JobDriveVersion)
	binary.LittleEndian.PutUint64(b[16:], uint64(len(js)))
	sum := sha256.Sum256(js)
	copy(b[24:56], sum[:])
	copy(b[jobHeaderLen:], js)
	return b, nil
}

// ReadJobDrive reads and checks the job on a job drive and returns it with
// its JSON. The drive's bytes are untrusted.
func ReadJobDrive(r io.ReaderAt) (*Job, []byte, error) {
	hdr := make([]byte, jobHeaderLen)
	if n, err := r.ReadAt(hdr, 0); n < len(hdr) {
		return nil, nil, fmt.Errorf("job drive: read header: %v", err)
	}
	if string(hdr[:len(JobMagic)]) != JobMagic {
		if bytes.Count(hdr, []byte{0}) == len(hdr) {
			return nil, nil, fmt.Errorf("job drive: blank: the host attached no job")
		}
		return nil, nil, fmt.Errorf("job drive: bad magic %q", hdr[:len(JobMagic)])
	}
	if v := binary.LittleEndian.Uint32(hdr[12:]); v != JobDriveVersion {
		return nil, nil, fmt.Errorf("job drive: format version %d, want %d", v, JobDriveVersion)
	}
	n := binary.LittleEndian.Uint64(hdr[16:])
	if n > JobDriveSize-jobHeaderLen {
		return nil, nil, fmt.Errorf("job drive: JSON length %d out of range", n)
	}
	js := make([]byte, n)
	if k, err := r.ReadAt(js, jobHeaderLen); k < len(js) {
		return nil, nil, fmt.Errorf("job drive: read %d bytes of JSON: %v", n, err)
	}
	if sum := sha256.Sum256(js); !bytes.Equal(sum[:], hdr[24:56]) {
		return nil, nil, fmt.Errorf("job drive: the JSON does not match its SHA-256")
	}
	j, err := ParseJob(js)
	if err != nil {
		return nil, nil, err
	}
	return j, js, nil
}
