package cfront

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// corpusCSources returns the C files of the corpus's cases, a few thousand
// small but varied inputs.
func corpusCSources(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir("../../corpus/c", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return err
		}
		ar, err := txtar.ParseFile(p)
		if err != nil {
			return err
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".c") || strings.HasSuffix(f.Name, ".h") {
				out[p+":"+f.Name] = f.Data
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("only %d corpus C files", len(out))
	}
	return out
}

// TestChunkMemoSameInventory: an inventory built with the memo, cold or
// warm, is the inventory built without it, and Users answers what a plain
// walk of the chunks answers.
func TestChunkMemoSameInventory(t *testing.T) {
	srcs := corpusCSources(t)
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	slices.Sort(names)
	memo := NewChunkMemo(64 << 20)
	opts := ScanOptions{ExportMarkers: []string{"MYLIB_PUBLIC"}}
	withMemo := opts
	withMemo.Memo = memo
	for pass := 0; pass < 2; pass++ {
		for _, n := range names {
			src := srcs[n]
			want := Scan(src, opts)
			got := Scan(src, withMemo)
			if !reflect.DeepEqual(want.Chunks, got.Chunks) {
				t.Fatalf("pass %d, %s: chunks differ with the memo", pass, n)
			}
			idents := map[string]bool{}
			for _, c := range want.Chunks {
				for _, id := range c.Idents {
					idents[id] = true
				}
			}
			idents["no_such_identifier"] = true
			for id := range idents {
				var plain []int32
				for i, c := range want.Chunks {
					if !c.Dead && slices.Contains(c.Idents, id) {
						plain = append(plain, int32(i))
					}
				}
				if u := got.Users(id); !slices.Equal(u, plain) {
					t.Fatalf("%s: Users(%q) = %v, want %v", n, id, u, plain)
				}
			}
		}
	}
	hits, misses := memo.Stats()
	if hits <= misses {
		t.Errorf("the second pass should hit the memo: %d hits, %d misses", hits, misses)
	}
}

// TestChunkMemoKindsMatter: the same token texts lexed as different kinds
// (an identifier against a string) do not share an entry.
func TestChunkMemoKindsMatter(t *testing.T) {
	memo := NewChunkMemo(1 << 20)
	a := Scan([]byte("int f(void) { return g(1); }\n"), ScanOptions{Memo: memo})
	b := Scan([]byte("int f(void) { return h(1); }\n"), ScanOptions{Memo: memo})
	if slices.Equal(a.Chunks[0].Idents, b.Chunks[0].Idents) {
		t.Fatalf("different chunks share identifiers: %v", a.Chunks[0].Idents)
	}
	if !slices.Contains(b.Chunks[0].Idents, "h(") {
		t.Fatalf("identifiers of the second chunk: %v", b.Chunks[0].Idents)
	}
}

// TestMayUseNoFalseNegative: the filter never hides a user, and it rules
// out most names a file does not use.
func TestMayUseNoFalseNegative(t *testing.T) {
	srcs := corpusCSources(t)
	absent, excluded := 0, 0
	for n, src := range srcs {
		inv := Scan(src, ScanOptions{})
		for _, c := range inv.Chunks {
			for _, id := range c.Idents {
				if !c.Dead && !inv.MayUse(NameHash(id)) {
					t.Fatalf("%s: MayUse(%q) is false but a live chunk uses it", n, id)
				}
			}
		}
		for k := 0; k < 20; k++ {
			name := fmt.Sprintf("surely_absent_%d", k)
			absent++
			if !inv.MayUse(NameHash(name)) {
				excluded++
			}
		}
	}
	if excluded < absent*9/10 {
		t.Errorf("the filter excluded only %d of %d absent names", excluded, absent)
	}
}
