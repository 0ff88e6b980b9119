package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
)

// BenchmarkPut records 10,000 synthetic results (three findings and a
// closure each on average) in a new database per iteration, and reports
// results written per second, the final flush and Finish included.
func BenchmarkPut(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	results := make([]*analyzer.Result, n)
	for i := range results {
		results[i] = sample(i)
	}
	dir := b.TempDir()
	iter := 0
	for b.Loop() {
		iter++
		db, err := Open(ctx, filepath.Join(dir, fmt.Sprintf("bench%d.db", iter)))
		if err != nil {
			b.Fatal(err)
		}
		run, err := db.BeginRun(ctx, info("/src/repo", "c1"))
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range results {
			if err := run.Put(ctx, i, r); err != nil {
				b.Fatal(err)
			}
		}
		if err := run.Finish(ctx, StatusComplete, nil); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*iter)/b.Elapsed().Seconds(), "results/s")
}
