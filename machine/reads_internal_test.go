package machine

import (
	"reflect"
	"testing"
)

func TestAddRange(t *testing.T) {
	tests := []struct {
		in   []Range
		add  Range
		want []Range
	}{
		{nil, Range{10, 5}, []Range{{10, 5}}},
		{[]Range{{10, 5}}, Range{0, 0}, []Range{{10, 5}}},
		{[]Range{{10, 5}}, Range{0, 3}, []Range{{0, 3}, {10, 5}}},
		{[]Range{{10, 5}}, Range{20, 3}, []Range{{10, 5}, {20, 3}}},
		{[]Range{{10, 5}}, Range{15, 3}, []Range{{10, 8}}}, // touching after
		{[]Range{{10, 5}}, Range{7, 3}, []Range{{7, 8}}},   // touching before
		{[]Range{{10, 5}}, Range{12, 1}, []Range{{10, 5}}}, // inside
		{[]Range{{0, 2}, {4, 2}, {8, 2}}, Range{1, 8}, []Range{{0, 10}}},
		{[]Range{{0, 2}, {4, 2}, {20, 2}}, Range{3, 2}, []Range{{0, 2}, {3, 3}, {20, 2}}},
	}
	for _, tt := range tests {
		got := addRange(append([]Range(nil), tt.in...), tt.add)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("addRange(%v, %v) = %v, want %v", tt.in, tt.add, got, tt.want)
		}
	}
}

// TestReadLogPages checks the page bookkeeping of a read that spans three
// pages from the middle of the first.
func TestReadLogPages(t *testing.T) {
	l := &readLog{drives: make([][]Range, 2), pages: map[uint64]PageSource{}}
	l.note(1, 1000, pageSize+100, 2*pageSize)
	want := map[uint64]PageSource{
		1: {1, 1000},
		2: {1, 1000 + pageSize - 100},
		3: {1, 1000 + 2*pageSize - 100},
	}
	if !reflect.DeepEqual(l.pages, want) {
		t.Fatalf("pages %v, want %v", l.pages, want)
	}
	if !reflect.DeepEqual(l.drives[1], []Range{{1000, 2 * pageSize}}) || l.drives[0] != nil {
		t.Fatalf("ranges %v", l.drives)
	}
}
