package ipfsfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"github.com/reprovm/reprovm/internal/scratch"
)

// MaxBlockSize bounds the size of one block read from a gateway, a CAR file or
// the store. IPFS implementations exchange blocks of at most 2 MiB (the
// bitswap message limit); reprovm's own blocks are at most 1 MiB of data plus
// framing.
const MaxBlockSize = 2 << 20

// Store is a local content-addressed block store: one file per block, named
// by the block's multihash, under Dir.
//
// Puts hash the bytes and compare them with the CID, write them to a
// temporary file, fsync it and rename it into place, so a crash leaves either
// no file or a complete, correct one. Gets hash the bytes again, so that a
// block damaged on disk is reported instead of being passed on. Like Kubo's
// flatfs, blocks are keyed by multihash alone: a block stored under a raw CID
// is found under a dag-pb CID with the same multihash.
//
// Store implements boxo's blockstore.Blockstore and is safe for concurrent
// use, by goroutines and by processes sharing the directory.
type Store struct {
	dir string
}

var _ blockstore.Blockstore = (*Store)(nil)

// DefaultStoreDir returns the directory of the user's store:
// os.UserCacheDir()/reprovm/blocks.
func DefaultStoreDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate the block store: %w", err)
	}
	return filepath.Join(cache, "reprovm", "blocks"), nil
}

// OpenStore opens the store in dir, creating the directory if needed.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open block store: %w", err)
	}
	s := &Store{dir: dir}
	// Blocks being written by a process that was killed.
	if _, err := scratch.RemoveStale(s.tmpDir(), tmpPrefix); err != nil {
		return nil, fmt.Errorf("open block store: %w", err)
	}
	return s, nil
}

// tmpDir holds blocks being written, each renamed into its shard when
// complete: one directory, so that OpenStore finds a killed writer's debris
// without reading every shard.
func (s *Store) tmpDir() string { return filepath.Join(s.dir, ".tmp") }

// tmpPrefix starts the names of blocks being written.
const tmpPrefix = "block-"

// isShard reports whether name is a shard directory's (two base32
// characters), not .tmp or quarantine.
func isShard(name string) bool {
	return len(name) == 2 && !strings.HasPrefix(name, ".")
}

// Dir returns the directory the store keeps its blocks in.
func (s *Store) Dir() string { return s.dir }

// path returns the file of the block with multihash m. Files are spread over
// subdirectories by the next-to-last two characters of the name, as flatfs
// does: the leading characters of a sha2-256 multihash are all alike.
func (s *Store) path(m mh.Multihash) string {
	name, _ := multibase.Encode(multibase.Base32, m) // Base32 never fails
	name = name[1:]                                  // drop the multibase prefix
	shard := name[len(name)-3 : len(name)-1]
	return filepath.Join(s.dir, shard, name)
}

// Has reports whether the block is stored. It does not check its bytes.
func (s *Store) Has(_ context.Context, c cid.Cid) (bool, error) {
	_, err := os.Stat(s.path(c.Hash()))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("look up block %s: %w", c, err)
	}
}

// Get returns the block, after checking its bytes against c. A missing block
// gives ipld.ErrNotFound.
func (s *Store) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	data, err := s.read(c)
	if err != nil {
		return nil, err
	}
	if err := checkBlock(c, data); err != nil {
		if errors.Is(err, ErrHashMismatch) {
			if qerr := s.quarantine(c); qerr != nil {
				err = errors.Join(err, qerr)
			} else {
				err = fmt.Errorf("%w (the damaged file was moved to %s; fetch the block again, e.g. with --gateway)", err, s.QuarantineDir())
			}
		}
		return nil, fmt.Errorf("block store %s: %w", s.dir, err)
	}
	return blocks.NewBlockWithCid(data, c)
}

// QuarantineDir is where the store moves block files whose bytes do not
// match their name: kept as evidence, out of the way of a fresh copy.
func (s *Store) QuarantineDir() string { return filepath.Join(s.dir, "quarantine") }

// quarantine moves c's block file into QuarantineDir, so that Has reports it
// missing and the next fetch or put stores a good copy. A damaged block left
// in place would never be repaired: every writer skips a block it has.
func (s *Store) quarantine(c cid.Cid) error {
	if err := s.quarantineFile(s.path(c.Hash())); err != nil {
		return fmt.Errorf("quarantine damaged block %s: %w", c, err)
	}
	return nil
}

// quarantineFile moves the block file p into QuarantineDir under a name
// with a suffix (no block file name has a dot), so that two damaged copies
// of one block do not collide and nothing there reads as a block.
func (s *Store) quarantineFile(p string) error {
	q := s.QuarantineDir()
	if err := os.MkdirAll(q, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(q, fmt.Sprintf("%s.%d", filepath.Base(p), time.Now().UnixNano()))
	if err := os.Rename(p, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// BadBlock is a block file that failed Verify.
type BadBlock struct {
	Path string // the file
	Err  error  // why it is bad
}

// Verify rehashes every block in the store and returns the bad ones: files
// whose bytes do not hash to their name, unreadable files, and names that
// are not sha2-256 multihashes. With repair, each bad file is moved to
// QuarantineDir. progress, if not nil, is called after each block.
func (s *Store) Verify(ctx context.Context, repair bool, progress func(checked int)) (checked int, bad []BadBlock, err error) {
	shards, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, nil, fmt.Errorf("verify block store: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() || !isShard(sh.Name()) {
			continue
		}
		dir := filepath.Join(s.dir, sh.Name())
		ents, err := os.ReadDir(dir)
		if err != nil {
			return checked, bad, fmt.Errorf("verify block store: %w", err)
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return checked, bad, err
			}
			if strings.HasPrefix(e.Name(), ".") {
				continue // temporary files (see write)
			}
			p := filepath.Join(dir, e.Name())
			berr := s.verifyFile(e.Name())
			checked++
			if berr != nil {
				bad = append(bad, BadBlock{Path: p, Err: berr})
				if repair {
					if err := s.quarantineFile(p); err != nil {
						return checked, bad, fmt.Errorf("repair block store: %w", err)
					}
				}
			}
			if progress != nil {
				progress(checked)
			}
		}
	}
	return checked, bad, nil
}

// verifyFile checks the block file called name.
func (s *Store) verifyFile(name string) error {
	_, m, err := multibase.Decode("b" + name)
	if err != nil {
		return fmt.Errorf("not a block file name: %w", err)
	}
	if _, err := mh.Cast(m); err != nil {
		return fmt.Errorf("not a block file name: %w", err)
	}
	c := cid.NewCidV1(cid.Raw, m)
	if s.path(m) != filepath.Join(s.dir, name[len(name)-3:len(name)-1], name) {
		return errors.New("in the wrong shard directory")
	}
	data, err := s.read(c)
	if err != nil {
		return err
	}
	return checkBlock(c, data)
}

func (s *Store) read(c cid.Cid) ([]byte, error) {
	f, err := os.Open(s.path(c.Hash()))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", c, err)
	}
	defer f.Close()
	data, err := readLimited(f, MaxBlockSize)
	if err != nil {
		return nil, fmt.Errorf("read block %s: %w", c, err)
	}
	return data, nil
}

// GetSize returns the size of the stored block.
func (s *Store) GetSize(_ context.Context, c cid.Cid) (int, error) {
	fi, err := os.Stat(s.path(c.Hash()))
	if errors.Is(err, fs.ErrNotExist) {
		return -1, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return -1, fmt.Errorf("stat block %s: %w", c, err)
	}
	return int(fi.Size()), nil
}

// Put stores the block after checking its bytes against its CID.
func (s *Store) Put(_ context.Context, b blocks.Block) error {
	return s.put(b.Cid(), b.RawData())
}

// PutMany stores the blocks one by one.
func (s *Store) PutMany(ctx context.Context, bs []blocks.Block) error {
	for _, b := range bs {
		if err := s.Put(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) put(c cid.Cid, data []byte) error {
	if len(data) > MaxBlockSize {
		return fmt.Errorf("store block %s: %d bytes is over the %d-byte block limit", c, len(data), MaxBlockSize)
	}
	if err := checkBlock(c, data); err != nil {
		return fmt.Errorf("store block: %w", err)
	}
	return s.write(c, data)
}

// write stores data under c without hashing it: only for bytes whose CID
// was computed in this process from those very bytes.
func (s *Store) write(c cid.Cid, data []byte) error {
	if len(data) > MaxBlockSize {
		return fmt.Errorf("store block %s: %d bytes is over the %d-byte block limit", c, len(data), MaxBlockSize)
	}
	p := s.path(c.Hash())
	if old, err := os.ReadFile(p); err == nil {
		if bytes.Equal(old, data) {
			return nil // same multihash, same bytes
		}
		// The stored file is damaged (data was checked against c): move
		// it aside and store the good bytes.
		if err := s.quarantine(c); err != nil {
			return fmt.Errorf("store block %s: %w", c, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("store block %s: %w", c, err)
	}
	if err := os.MkdirAll(s.tmpDir(), 0o755); err != nil {
		return fmt.Errorf("store block %s: %w", c, err)
	}
	tmp, err := scratch.CreateTemp(s.tmpDir(), tmpPrefix)
	if err != nil {
		return fmt.Errorf("store block %s: %w", c, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o444)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store block %s: %w", c, err)
	}
	return nil
}

// DeleteBlock removes the block if it is stored.
func (s *Store) DeleteBlock(_ context.Context, c cid.Cid) error {
	err := os.Remove(s.path(c.Hash()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete block %s: %w", c, err)
	}
	return nil
}

// AllKeysChan lists the stored blocks as raw CIDs (the store keeps no codec).
// Leftover temporary files and foreign files are skipped.
func (s *Store) AllKeysChan(ctx context.Context) (<-chan cid.Cid, error) {
	shards, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list block store: %w", err)
	}
	ch := make(chan cid.Cid)
	go func() {
		defer close(ch)
		for _, sh := range shards {
			if !sh.IsDir() || !isShard(sh.Name()) {
				continue
			}
			ents, err := os.ReadDir(filepath.Join(s.dir, sh.Name()))
			if err != nil {
				return
			}
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".") {
					continue
				}
				_, m, err := multibase.Decode("b" + e.Name())
				if err != nil {
					continue
				}
				if _, err := mh.Cast(m); err != nil {
					continue
				}
				select {
				case ch <- cid.NewCidV1(cid.Raw, m):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch, nil
}

// HashOnRead is a no-op: Get always checks the bytes.
func (s *Store) HashOnRead(bool) {}

// checkBlock checks that c is a CID reprovm trusts (CheckCID), hashes data
// and compares it with c.
func checkBlock(c cid.Cid, data []byte) error {
	if err := CheckCID(c); err != nil {
		return fmt.Errorf("block: %w", err)
	}
	got, err := c.Prefix().Sum(data)
	if err != nil {
		return fmt.Errorf("block %s: %w", c, err)
	}
	if !got.Equals(c) && string(got.Hash()) != string(c.Hash()) {
		return fmt.Errorf("block %s: bytes hash to %s: %w", c, got.Hash().B58String(), ErrHashMismatch)
	}
	return nil
}

// ErrHashMismatch is wrapped by errors about bytes that do not match the CID
// they were offered under.
var ErrHashMismatch = errors.New("hash mismatch")
