// Package analyzer is the pipeline: it walks a commit range, diffs each
// commit against its first parent, builds inventories of the changed C
// files, matches their entities, runs the classifiers and streams one result
// per commit, in a deterministic order whatever the number of workers.
package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/analyzer/typed"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/lru"
	"github.com/go-git/go-git/v5/plumbing"
)

// Options select and bound what is analysed.
type Options struct {
	Range        string
	Since, Until time.Time
	FirstParent  bool
	Paths        []string // globs; only matching files are analysed and commits touching none are left out
	MaxCommits   int
	Merges       bool // analyse merges against their first parent instead of skipping them
	Jobs         int
	MaxFileSize  int64
	// MaxCommitBytes bounds the C source analysed in one commit; files past
	// it are skipped and reported.
	MaxCommitBytes int64
	// CacheBytes is the budget of the shared caches (blobs, inventories,
	// parsed chunks).
	CacheBytes int64
	// Config overrides the repository's .dynupd.yaml.
	Config *config.Config
	// NoCompiler keeps the Go compiler out: inlining stays a syntactic
	// estimate instead of asking gc about the functions it cannot decide.
	NoCompiler bool
	// GoProxy is the GOPROXY of typed loading: "off" (the default) reads
	// dependencies only from the module cache.
	GoProxy string
	// Backend chooses how blobs are read (history.BackendAuto when "").
	Backend history.Backend
	// Progress is called after each commit with the number done and the
	// total (the total may shrink when a path filter leaves commits out).
	Progress func(done, total int)
	Logger   *slog.Logger
}

// Analyzer analyses one repository.
type Analyzer struct {
	path   string
	opts   Options
	cfg    *config.Config
	reg    *classifiers.Registry
	over   map[string]classifiers.Verdict
	blobs  *lru.Cache[plumbing.Hash, []byte]
	invs   *lru.Cache[plumbing.Hash, *cfront.Inventory]
	memo   *cfront.ChunkMemo
	parses *lru.Cache[uint64, []*cfront.Entity]
	lists  *lru.Cache[plumbing.Hash, []history.TreeFile]
	trees  *lru.Cache[plumbing.Hash, *treeIndex]
	goInvs *lru.Cache[goKey, *gofront.File]
	goMods *lru.Cache[plumbing.Hash, *gofront.Mod]
	goIdx  *lru.Cache[plumbing.Hash, *goIndex]
	oracle *gcOracle
	treeMu sync.Mutex
	// overlay holds the work tree snapshot of a Diff; typedProgs the
	// type-checked programs of its two trees (guarded by treeMu).
	overlay    *history.Overlay
	typedProgs map[plumbing.Hash]*typed.Program
	log        *slog.Logger
}

// New prepares an analyzer for the repository at path. It reads the
// config (opts.Config, else .dynupd.yaml of the work tree or of HEAD).
func New(path string, opts Options) (*Analyzer, error) {
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 512 << 20
	}
	if opts.MaxCommitBytes <= 0 {
		opts.MaxCommitBytes = 256 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r, err := history.Open(path, history.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cfg := opts.Config
	if cfg == nil {
		cfg, err = loadRepoConfig(r)
		if err != nil {
			return nil, err
		}
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = cfg.MaxSize()
	}
	over := map[string]classifiers.Verdict{}
	reg := classifiers.NewRegistry()
	for id, v := range cfg.Overrides {
		if _, ok := reg.Lookup(id); !ok {
			return nil, fmt.Errorf("config: overrides: unknown rule %s", id)
		}
		vv, err := classifiers.ParseVerdict(v)
		if err != nil {
			return nil, fmt.Errorf("config: overrides: %s: %w", id, err)
		}
		over[id] = vv
	}
	b := opts.CacheBytes
	return &Analyzer{
		path: path, opts: opts, cfg: cfg, reg: reg, over: over, log: log,
		blobs:  lru.New[plumbing.Hash, []byte](b / 6),
		invs:   lru.New[plumbing.Hash, *cfront.Inventory](b / 2),
		memo:   cfront.NewChunkMemo(b / 6),
		parses: lru.New[uint64, []*cfront.Entity](b / 8),
		lists:  lru.New[plumbing.Hash, []history.TreeFile](b / 24),
		trees:  lru.New[plumbing.Hash, *treeIndex](int64(4*opts.Jobs + 4)),
		goInvs: lru.New[goKey, *gofront.File](b / 6),
		goMods: lru.New[plumbing.Hash, *gofront.Mod](1 << 20),
		goIdx:  lru.New[plumbing.Hash, *goIndex](int64(4*opts.Jobs + 4)),
		oracle: newGCOracle(!opts.NoCompiler),
	}, nil
}

// Config returns the configuration in force.
func (a *Analyzer) Config() *config.Config { return a.cfg }

// loadRepoConfig reads .dynupd.yaml from the work tree, else from HEAD.
func loadRepoConfig(r *history.Repo) (*config.Config, error) {
	if !r.Bare {
		root := strings.TrimSuffix(r.GitDir, "/.git")
		if c, err := config.Load(root + "/" + config.FileName); err == nil {
			return c, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	head, err := r.Head()
	if err != nil {
		return &config.Config{}, nil // unborn HEAD: defaults
	}
	b, err := configBlob(r, head)
	if err != nil || b == nil {
		return &config.Config{}, nil
	}
	cfg, err := config.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s at HEAD: %w", config.FileName, err)
	}
	return cfg, nil
}

// configBlob returns the content of .dynupd.yaml in a commit's tree, nil
// when it has none.
func configBlob(r *history.Repo, commit plumbing.Hash) ([]byte, error) {
	c, err := r.Commit(commit)
	if err != nil {
		return nil, err
	}
	files, err := r.DiffTrees(plumbing.ZeroHash, c.TreeHash, func(p string) bool { return p == config.FileName })
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return r.ReadBlob(files[0].NewHash)
}

// tree returns the shared index of a tree.
func (a *Analyzer) tree(h plumbing.Hash) *treeIndex {
	a.treeMu.Lock()
	defer a.treeMu.Unlock()
	if t, ok := a.trees.Get(h); ok {
		return t
	}
	t := &treeIndex{root: h, a: a}
	a.trees.Add(h, t, 1)
	return t
}

// goKey caches a Go file's inventory by content and by the build
// constraint its name implies.
type goKey struct {
	hash plumbing.Hash
	name string // the name's _GOOS/_GOARCH suffix part, or ""
}

// goTree returns the shared Go index of a tree.
func (a *Analyzer) goTree(h plumbing.Hash) *goIndex {
	a.treeMu.Lock()
	defer a.treeMu.Unlock()
	if g, ok := a.goIdx.Get(h); ok {
		return g
	}
	g := &goIndex{root: h, a: a, typed: a.typedProgs[h]}
	a.goIdx.Add(h, g, 1)
	return g
}

// Commits resolves the range and lists its commits (merges included
// when the options keep them), newest first, with the count of merges the
// options leave out.
func (a *Analyzer) Commits(ctx context.Context) ([]*history.Commit, int, error) {
	out, merges, err := a.list(ctx, a.opts.Range, history.WalkOptions{FirstParent: a.opts.FirstParent, Since: a.opts.Since, Until: a.opts.Until})
	if err != nil {
		return nil, 0, err
	}
	if a.opts.MaxCommits > 0 && len(a.opts.Paths) == 0 && len(out) > a.opts.MaxCommits {
		out = out[:a.opts.MaxCommits]
	}
	return out, merges, nil
}

// list lists the commits of a range newest first, leaving out merges
// unless the options keep them, and counts the merges left out.
func (a *Analyzer) list(ctx context.Context, spec string, wo history.WalkOptions) ([]*history.Commit, int, error) {
	r, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	rg, err := history.ParseRange(spec)
	if err != nil {
		return nil, 0, err
	}
	all, err := r.List(ctx, rg, wo)
	if err != nil {
		return nil, 0, err
	}
	out := all[:0]
	merges := 0
	for _, c := range all {
		if c.IsMerge() && !a.opts.Merges {
			merges++
			continue
		}
		out = append(out, c)
	}
	return out, merges, nil
}

// Run analyses the commits of the range and calls emit with each result in
// the order of the commit list. It stops at the first error of emit or of
// the repository (a bad object), and when ctx is cancelled.
func (a *Analyzer) Run(ctx context.Context, emit func(*Result) error) (*Summary, error) {
	commits, merges, err := a.Commits(ctx)
	if err != nil {
		return nil, err
	}
	sum := NewSummary()
	sum.Repository = a.path
	sum.Range = a.opts.Range
	if sum.Range == "" {
		sum.Range = "HEAD"
	}
	sum.Merges = merges
	sum.ConfigHash = a.cfg.Hash()
	err = a.RunCommits(ctx, commits, func(r *Result) error {
		if r == nil {
			sum.Filtered++
			return nil
		}
		sum.Add(r)
		return emit(r)
	})
	sum.Finish()
	a.logCacheStats()
	return sum, err
}

type job struct {
	idx int
	c   *history.Commit
}

type done struct {
	idx int
	r   *Result
	err error
}

// RunCommits analyses the given commits with the configured number of
// workers and emits results in list order. A commit the path filter leaves
// without files is emitted as nil.
func (a *Analyzer) RunCommits(parent context.Context, commits []*history.Commit, emit func(*Result) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	n := len(commits)
	jobs := a.opts.Jobs
	if jobs > n {
		jobs = max(n, 1)
	}
	window := jobs * 32
	jobCh := make(chan job)
	doneCh := make(chan done, window)
	var wg sync.WaitGroup
	var openErr error
	var openOnce sync.Once
	for i := 0; i < jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := a.newWorker()
			if err != nil {
				openOnce.Do(func() { openErr = err })
				cancel()
				return
			}
			defer w.close()
			for j := range jobCh {
				r, err := w.analyze(ctx, j.c)
				select {
				case doneCh <- done{j.idx, r, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	// Dispatch within a window ahead of the next result to emit, so memory
	// stays bounded.
	var mu sync.Mutex
	nextEmit := 0
	cond := sync.NewCond(&mu)
	go func() {
		defer close(jobCh)
		for i, c := range commits {
			mu.Lock()
			for i >= nextEmit+window && ctx.Err() == nil {
				cond.Wait()
			}
			mu.Unlock()
			select {
			case jobCh <- job{i, c}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		<-ctx.Done()
		mu.Lock()
		cond.Broadcast()
		mu.Unlock()
	}()
	go func() { wg.Wait(); close(doneCh) }()

	pending := map[int]done{}
	emitted := 0
	var firstErr error
	for d := range doneCh {
		if firstErr != nil {
			continue
		}
		pending[d.idx] = d
		for {
			mu.Lock()
			next := nextEmit
			mu.Unlock()
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if p.err != nil {
				firstErr = p.err
				cancel()
				break
			}
			if p.r != nil && a.opts.MaxCommits > 0 && emitted >= a.opts.MaxCommits {
				cancel()
				break
			}
			if err := emit(p.r); err != nil {
				firstErr = err
				cancel()
				break
			}
			if p.r != nil {
				emitted++
			}
			if a.opts.Progress != nil {
				a.opts.Progress(next+1, n)
			}
			mu.Lock()
			nextEmit++
			cond.Broadcast()
			mu.Unlock()
		}
	}
	switch {
	case firstErr != nil:
		return firstErr
	case openErr != nil:
		return openErr
	case parent.Err() != nil:
		return parent.Err()
	}
	return nil
}

// SetProgress sets the function called after each commit.
func (a *Analyzer) SetProgress(f func(done, total int)) { a.opts.Progress = f }

// logCacheStats logs the hit rates of the shared caches (with -v), the
// first thing to look at when a history runs slower than it should.
func (a *Analyzer) logCacheStats() {
	stat := func(name string, hits, misses int64) slog.Attr {
		return slog.String(name, fmt.Sprintf("%d/%d", hits, hits+misses))
	}
	var attrs []any
	h, m := a.blobs.Stats()
	attrs = append(attrs, stat("blobs", h, m))
	h, m = a.invs.Stats()
	attrs = append(attrs, stat("inventories", h, m))
	h, m = a.memo.Stats()
	attrs = append(attrs, stat("chunk_memo", h, m))
	h, m = a.parses.Stats()
	attrs = append(attrs, stat("parses", h, m))
	h, m = a.lists.Stats()
	attrs = append(attrs, stat("tree_lists", h, m))
	h, m = a.goInvs.Stats()
	attrs = append(attrs, stat("go_files", h, m))
	a.log.Debug("cache hits/lookups", attrs...)
}
