package cfront

import "github.com/dynupd/dynupd-analyze/internal/lru"

// ChunkMemo remembers, by the hash of a chunk's tokens, the identifiers and
// export mark the scanner derived from them, so that the chunks every
// version of a file shares are not indexed again, and their inventories
// share one identifier slice. It is safe for concurrent use; a memo must
// serve one set of ScanOptions (the export markers shape its entries). A
// nil *ChunkMemo memoises nothing.
type ChunkMemo struct {
	c *lru.Cache[memoKey, memoEntry]
}

// NewChunkMemo returns a memo that keeps entries up to about budget bytes.
func NewChunkMemo(budget int64) *ChunkMemo {
	return &ChunkMemo{c: lru.New[memoKey, memoEntry](budget)}
}

// memoKey names a chunk by its token texts (hash), its token kinds and its
// chunk kind, which together decide what identify derives.
type memoKey struct {
	hash  uint64
	kinds uint64
	kind  ChunkKind
}

type memoEntry struct {
	idents   []string
	exported bool
}

func (m *ChunkMemo) get(k memoKey) (memoEntry, bool) {
	if m == nil {
		return memoEntry{}, false
	}
	return m.c.Get(k)
}

func (m *ChunkMemo) add(k memoKey, e memoEntry) {
	if m == nil {
		return
	}
	m.c.Add(k, e, int64(64+24*len(e.idents)))
}

// Stats returns the memo's hit and miss counts.
func (m *ChunkMemo) Stats() (hits, misses int64) {
	if m == nil {
		return 0, 0
	}
	return m.c.Stats()
}
