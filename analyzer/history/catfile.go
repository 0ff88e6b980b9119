package history

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Backend names how a handle reads blobs.
type Backend string

// The blob backends. BackendAuto uses git when it can (see GitUsable) and
// go-git otherwise; both give the same bytes (a test holds them to it).
const (
	BackendAuto  Backend = "auto"
	BackendGit   Backend = "git"
	BackendGoGit Backend = "go-git"
)

// ParseBackend checks a backend name ("" is auto).
func ParseBackend(s string) (Backend, error) {
	switch Backend(s) {
	case "", BackendAuto:
		return BackendAuto, nil
	case BackendGit, BackendGoGit:
		return Backend(s), nil
	}
	return "", fmt.Errorf("unknown backend %q (auto, git or go-git)", s)
}

// minGit is the first git with cat-file --batch-command.
var minGit = [3]int{2, 36, 0}

// gitProbe caches, per process, whether a usable git is on PATH: the
// answer cannot change while the tool runs, and asking costs a process.
var gitProbe = sync.OnceValues(func() (string, error) {
	path, err := exec.LookPath("git")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		return "", fmt.Errorf("git version: %w", err)
	}
	v, ok := parseGitVersion(string(out))
	if !ok {
		return "", fmt.Errorf("git version: cannot read %q", strings.TrimSpace(string(out)))
	}
	for i := range v {
		if v[i] != minGit[i] {
			if v[i] < minGit[i] {
				return "", fmt.Errorf("git %d.%d.%d is older than %d.%d (cat-file --batch-command)", v[0], v[1], v[2], minGit[0], minGit[1])
			}
			break
		}
	}
	return path, nil
})

// parseGitVersion reads "git version 2.39.5" (and vendor suffixes).
func parseGitVersion(s string) ([3]int, bool) {
	var v [3]int
	f := strings.Fields(s)
	if len(f) < 3 || f[0] != "git" || f[1] != "version" {
		return v, false
	}
	parts := strings.SplitN(f[2], ".", 4)
	if len(parts) < 2 {
		return v, false
	}
	for i := 0; i < 3 && i < len(parts); i++ {
		n := 0
		for _, c := range parts[i] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		v[i] = n
	}
	return v, true
}

// GitUsable reports whether blobs of the repository in gitDir can be read
// with git: git ≥ 2.36 is on PATH and the repository is not a partial
// clone. A partial clone is left to go-git because git would fetch its
// missing blobs from the promisor remote — network access, and transport
// commands the repository's config may name — where the tool must record
// them as missing.
func GitUsable(gitDir string) error {
	if _, err := gitProbe(); err != nil {
		return err
	}
	if partialClone(gitDir) {
		return errors.New("a partial clone: git would fetch its missing objects")
	}
	return nil
}

// partialClone reports whether the repository's config names a promisor
// remote (a partial clone), or includes other config files that might.
// Promisor packs alone, without such a remote, fetch nothing.
func partialClone(gitDir string) bool {
	b, err := os.ReadFile(filepath.Join(gitDir, "config"))
	if err != nil {
		return false
	}
	low := strings.ToLower(string(b))
	return strings.Contains(low, "partialclone") || strings.Contains(low, "promisor") || strings.Contains(low, "include")
}

// catFile reads objects through one long-lived `git cat-file
// --batch-command` process. git runs with the repository's objects only:
// no replace refs, no lazy fetching, no transport at all, no hooks, no
// system or global config, and none of the caller's GIT_* variables; it
// is never asked for filters or textconv, so no driver the repository
// names can run.
type catFile struct {
	cmd  *exec.Cmd
	in   *bufio.Writer
	inC  io.Closer
	out  *bufio.Reader
	dead error
}

// gitEnv is the environment of the git processes: the caller's, minus
// every GIT_* variable, plus the ones that make git ignore config outside
// the repository and never fetch.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_NO_LAZY_FETCH=1", // git ≥ 2.44; older gits are kept off partial clones
		"GIT_TERMINAL_PROMPT=0",
		"GIT_PROTOCOL_FROM_USER=0",
		"LC_ALL=C",
	)
}

// gitArgs are the options before the subcommand: they override whatever
// the repository's own config says.
func gitArgs(gitDir string) []string {
	return []string{
		"--git-dir=" + gitDir, "--no-replace-objects",
		"-c", "protocol.allow=never",
		"-c", "core.hooksPath=/dev/null",
		"-c", "core.fsmonitor=false",
		"-c", "core.sshCommand=false",
		"-c", "core.askPass=false",
		"-c", "uploadpack.packObjectsHook=",
		"-c", "safe.directory=" + gitDir,
	}
}

func startCatFile(gitDir string) (*catFile, error) {
	path, err := gitProbe()
	if err != nil {
		return nil, err
	}
	args := append(gitArgs(gitDir), "cat-file", "--batch-command")
	cmd := exec.Command(path, args...)
	cmd.Env = gitEnv()
	cmd.Dir = gitDir
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, max: 4096}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start git cat-file: %w", err)
	}
	return &catFile{cmd: cmd, in: bufio.NewWriter(in), inC: in, out: bufio.NewReaderSize(out, 1<<16)}, nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// header sends one command and reads the answer's header line: the
// object's type and size, or ErrMissing.
func (c *catFile) header(cmd string, h plumbing.Hash) (string, int64, error) {
	if c.dead != nil {
		return "", 0, c.dead
	}
	if _, err := fmt.Fprintf(c.in, "%s %s\n", cmd, h); err != nil {
		return "", 0, c.fail(err)
	}
	if err := c.in.Flush(); err != nil {
		return "", 0, c.fail(err)
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return "", 0, c.fail(err)
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 2 && f[1] == "missing":
		return "", 0, fmt.Errorf("blob %s: %w", h, ErrMissing)
	case len(f) != 3 || f[0] != h.String():
		return "", 0, c.fail(fmt.Errorf("unexpected answer %q", strings.TrimSpace(line)))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return "", 0, c.fail(fmt.Errorf("unexpected size in %q", strings.TrimSpace(line)))
	}
	return f[1], size, nil
}

// fail marks the process unusable: a broken conversation cannot be
// resynchronised.
func (c *catFile) fail(err error) error {
	c.dead = fmt.Errorf("git cat-file: %w", err)
	return c.dead
}

func (c *catFile) size(h plumbing.Hash) (int64, error) {
	typ, n, err := c.header("info", h)
	if err != nil {
		return 0, err
	}
	if typ != "blob" {
		return 0, fmt.Errorf("blob %s: a %s: %w", h, typ, ErrMissing)
	}
	return n, nil
}

func (c *catFile) read(h plumbing.Hash) ([]byte, error) {
	typ, n, err := c.header("contents", h)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n+1) // the content and git's trailing newline
	if _, err := io.ReadFull(c.out, b); err != nil {
		return nil, c.fail(err)
	}
	if b[n] != '\n' {
		return nil, c.fail(errors.New("content not followed by a newline"))
	}
	if typ != "blob" {
		return nil, fmt.Errorf("blob %s: a %s: %w", h, typ, ErrMissing)
	}
	return b[:n:n], nil
}

func (c *catFile) close() error {
	_ = c.inC.Close()
	return c.cmd.Wait()
}
