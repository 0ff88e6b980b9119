package analyzer

import (
	"strings"
	"testing"
)

func TestGoNewer(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1.27", "1.26", true}, {"1.26.3", "1.26", false}, {"1.26", "1.26", false}, {"1.9", "1.26", false},
		{"2.0", "1.26", true}, {"1.27rc1", "1.26", true}, {"go1.30", "1.26", true}, {"", "1.26", false},
	} {
		if got := goNewer(c.a, c.b); got != c.want {
			t.Errorf("goNewer(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestTypedEnvIsOffline(t *testing.T) {
	env := map[string]bool{}
	for _, kv := range typedEnv("/tmp/cache", "") {
		env[kv] = true
	}
	for _, want := range []string{"GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "CGO_ENABLED=0", "GOWORK=off", "GOENV=off"} {
		if !env[want] {
			t.Errorf("typed loading environment lacks %s", want)
		}
	}
	for _, kv := range oracleEnv("/tmp/cache") {
		if strings.HasPrefix(kv, "GOPROXY=") && kv != "GOPROXY=off" && !strings.HasPrefix(kv, "GOPROXY=file://") {
			t.Errorf("the compiler oracle may only read a local proxy, got %s", kv)
		}
		if kv == "GOTOOLCHAIN=auto" {
			t.Error("the oracle must not switch toolchains")
		}
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range [][2]string{{"v1.9", "v1.10"}, {"0.9.2", "1.1.0"}, {"2.0.0", "2.0.1"}, {"v1.2", "v1.2.1"}, {"a", "b"}, {"2.1.1pre1", "2.1.1"}, {"v2.0.0-rc1", "v2.0.0"}, {"2.0rc2", "2.0.1"}, {"v3.0.0-beta", "v3.0.0-rc1"}, {"1.0", "1.0.1-rc1"}} {
		if !versionLess(c[0], c[1]) || versionLess(c[1], c[0]) {
			t.Errorf("want %s before %s", c[0], c[1])
		}
	}
}
