// Command inlinecalib measures the syntactic inlining estimate of
// analyzer/gofront against gc's own decisions on standard-library
// packages: go run ./internal/tools/inlinecalib $(go list std | grep -v internal).
// It prints the agreement, the "maybe" band, and every gc-inlined function
// whose lower bound is over the budget (what sets the margin of 20).
// It runs the local go command on the standard library only.
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
)

var (
	canRe       = regexp.MustCompile(`: can inline (\S+) with cost (\d+)`)
	cannotRe    = regexp.MustCompile(`: cannot inline (\S+): function too complex: cost (\d+) exceeds`)
	cannotOther = regexp.MustCompile(`: cannot inline (\S+): (.*)`)
)

func gcName(e *gofront.Entity) string {
	if e.Kind == gofront.KMethod {
		m := strings.TrimPrefix(e.Name, e.Recv+".")
		if e.PtrRecv {
			return "(*" + e.Recv + ")." + m
		}
		return e.Recv + "." + m
	}
	return e.Name
}

func main() {
	verbose := os.Getenv("V") != ""
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go env GOROOT:", err)
		os.Exit(1)
	}
	goroot := strings.TrimSpace(string(root))
	var totalAbs, n, agree, disagree, unsure, maybeInl, spread int
	var diffs []float64
	var band []int
	for _, pkg := range os.Args[1:] {
		dir := filepath.Join(goroot, "src", pkg)
		matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		var files []*gofront.File
		for _, m := range matches {
			if strings.HasSuffix(m, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(m)
			f := gofront.Parse(b, filepath.Base(m))
			if f.Build != "" && !(strings.Contains(f.Build, "linux") || strings.Contains(f.Build, "unix") || strings.Contains(f.Build, "!") || strings.Contains(f.Build, "amd64")) {
				continue
			}
			files = append(files, f)
		}
		est := gofront.EstimateCosts(files, gofront.StdCallee)
		out, _ := exec.Command("go", "build", "-gcflags=-m=2", pkg).CombinedOutput()
		gc := map[string]int{}
		reason := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			l := sc.Text()
			if m := canRe.FindStringSubmatch(l); m != nil {
				c, _ := strconv.Atoi(m[2])
				gc[m[1]] = c
				continue
			}
			if m := cannotRe.FindStringSubmatch(l); m != nil {
				c, _ := strconv.Atoi(m[2])
				gc[m[1]] = -c
				continue
			}
			if m := cannotOther.FindStringSubmatch(l); m != nil {
				reason[m[1]] = m[2]
			}
		}
		for _, f := range files {
			for _, e := range f.Entities {
				if e.Kind != gofront.KFunc && e.Kind != gofront.KMethod {
					continue
				}
				name := gcName(e)
				es := est[e.Name]
				c, ok := gc[name]
				if !ok {
					if r, ok2 := reason[name]; ok2 && es.Forbid == "" && verbose {
						fmt.Printf("%s %s: gc says %q, we say %s [%d,%d]\n", pkg, name, r, es.Inlinable(), es.Min, es.Max)
					}
					continue
				}
				inl := c >= 0
				if c < 0 {
					c = -c
				}
				v := es.Inlinable()
				switch {
				case v == "maybe":
					unsure++
					if inl {
						maybeInl++
					}
					if es.Max-es.Min > 0 {
						spread += es.Max - es.Min
					}
				case (v == "yes") == inl:
					agree++
				default:
					disagree++
					if verbose {
						fmt.Printf("DISAGREE %s %s: gc cost %d inl=%v, we [%d,%d] %s forbid=%q\n", pkg, name, c, inl, es.Min, es.Max, v, es.Forbid)
					}
				}
				if es.Forbid == "" && inl && es.Min > 80 {
					fmt.Printf("OVER %s %s gc %d est [%d,%d]\n", pkg, name, c, es.Min, es.Max)
				}
				if es.Min == es.Max && es.Forbid == "" && c >= 60 && c <= 120 {
					band = append(band, es.Max-c)
				}
				if es.Min == es.Max && es.Forbid == "" {
					d := es.Max - c
					totalAbs += int(math.Abs(float64(d)))
					diffs = append(diffs, float64(d)/float64(c))
					n++
				}
			}
		}
	}
	sort.Ints(band)
	if len(band) > 0 {
		fmt.Printf("band 60-120: n=%d min %d p1 %d p5 %d median %d p95 %d max %d\n", len(band), band[0], band[len(band)/100], band[len(band)/20], band[len(band)/2], band[len(band)*95/100], band[len(band)-1])
	}
	sort.Float64s(diffs)
	med := 0.0
	if len(diffs) > 0 {
		med = diffs[len(diffs)/2]
	}
	fmt.Printf("exact-range functions: %d, mean |error| %.1f, median rel error %.2f\n", n, float64(totalAbs)/float64(max(n, 1)), med)
	fmt.Printf("verdicts: agree %d, disagree %d, maybe %d (gc inlines %d of those)\n", agree, disagree, unsure, maybeInl)
}
