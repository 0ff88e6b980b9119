package filekind

import (
	"testing"

	"github.com/dynupd/dynupd-analyze/config"
)

func TestOf(t *testing.T) {
	cases := map[string]Kind{
		"src/server.c": C, "include/curl/curl.h": C, "lib/x86.S": Asm, "boot.asm": Asm,
		"Makefile": Build, "src/Makefile.am": Build, "CMakeLists.txt": Build, "configure.ac": Build, "Kconfig": Build, "config.h.in": Build,
		"tests/unit.c": NonCode, "testes/all.lua": NonCode, "docs/x.md": NonCode, "README.md": NonCode, "lua.1": NonCode,
		"src/list_test.c": NonCode, ".github/workflows/ci.yml": NonCode, "regress/netcat.c": NonCode,
		"lib/libfoo.map": Symver, "main.go": Go, "go.mod": GoMod, "go.sum": GoSum, "x/y_test.go": GoTest,
		"internal/x/testdata/a.go": GoTest, "examples/demo/main.go": GoTest, "examples/demo/go.mod": GoTest, "example/go.sum": GoTest, "_tools/gen.go": GoTest, "vendor/a/b.go": GoVendor,
		"tests/integration/helper.go": Go, "cmd/app/main.go": Go,
		"src/thing.cpp": OtherLang, "utils/gen.py": Other, "redis.conf": Other,
	}
	for p, want := range cases {
		if got := Of(p, nil); got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
	cfg := &config.Config{NonCode: []string{"bench/**"}, Code: []string{"tests/helpers/*.c"}}
	if Of("bench/b.c", cfg) != NonCode || Of("tests/helpers/h.c", cfg) != C {
		t.Error("config globs")
	}
	if !IsBinary([]byte{'a', 0, 'b'}) || IsBinary([]byte("text")) {
		t.Error("IsBinary")
	}
	if !IsSymverContent([]byte("V1 { global: f; local: *; };")) || IsSymverContent([]byte("just a map")) {
		t.Error("IsSymverContent")
	}
}
