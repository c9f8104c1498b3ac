package machine

import (
	"slices"
	"sort"
)

// Which parts of its drives a run read, and where that data went (issue 8,
// "Inputs actually read" and divergence bisection). With
// Config.RecordReads the machine notes every block read the guest's
// driver completes: the byte ranges of each drive, and for each RAM page
// the drive and offset its last read data came from. This is host-side
// bookkeeping: it is neither guest state nor part of a snapshot or state
// root, and it changes nothing the guest sees.

// Range is a byte range [Off, Off+Len) of a drive.
type Range struct {
	Off, Len int64
}

// PageSource says which drive data a RAM page last received by DMA.
type PageSource struct {
	Drive int   // index in Config.Drives
	Off   int64 // drive offset of the byte that landed at the page's start, or of the first byte read into it
}

// readLog is what RecordReads collects.
type readLog struct {
	drives [][]Range             // per drive, sorted and merged
	pages  map[uint64]PageSource // by RAM page number
}

// note records that n bytes of drive d at off were read into guest-physical
// address pa.
func (l *readLog) note(d int, off int64, pa, n uint64) {
	l.drives[d] = addRange(l.drives[d], Range{off, int64(n)})
	for p := pa / pageSize; p <= (pa+n-1)/pageSize; p++ {
		start := max(p*pageSize, pa)
		l.pages[p] = PageSource{Drive: d, Off: off + int64(start-pa)}
	}
}

// addRange inserts r into rs, sorted and with no two ranges overlapping or
// touching, and returns the result.
func addRange(rs []Range, r Range) []Range {
	if r.Len <= 0 {
		return rs
	}
	// The first range that ends at or after r starts.
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Off+rs[i].Len >= r.Off })
	j := i
	for j < len(rs) && rs[j].Off <= r.Off+r.Len {
		end := max(r.Off+r.Len, rs[j].Off+rs[j].Len)
		r.Off = min(r.Off, rs[j].Off)
		r.Len = end - r.Off
		j++
	}
	return slices.Replace(rs, i, j, r)
}

// DriveReads returns the byte ranges of drive i (an index in Config.Drives)
// that the guest has read, sorted and merged. It is nil without
// Config.RecordReads.
func (m *Machine) DriveReads(i int) []Range {
	if m.reads == nil || i < 0 || i >= len(m.reads.drives) {
		return nil
	}
	return slices.Clone(m.reads.drives[i])
}

// PageSource reports which drive data last reached the RAM page holding
// guest-physical address pa by DMA, if any did (Config.RecordReads).
func (m *Machine) PageSource(pa uint64) (PageSource, bool) {
	if m.reads == nil || pa < RAMBase {
		return PageSource{}, false
	}
	s, ok := m.reads.pages[(pa-RAMBase)/pageSize]
	return s, ok
}

// ClearReads forgets the reads recorded so far: the host calls it when it
// attaches new contents to drives (the job's inputs at the ready point),
// since what the guest read before (the kernel's partition scan of an
// empty slot, say) was not read from them.
func (m *Machine) ClearReads() {
	if m.reads == nil {
		return
	}
	for i := range m.reads.drives {
		m.reads.drives[i] = nil
	}
	clear(m.reads.pages)
}
