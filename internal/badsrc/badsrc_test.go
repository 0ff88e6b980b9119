package badsrc

import "testing"

func TestC(t *testing.T) {
	fine := []string{
		"",
		"int f(void) { return 0; }\n",
		"static const char *s = \"{ /* not a comment\";\nchar c = '}';\nint n = 1'000'000;\n",
		"/* { */ int a[2] = { 1, 2 }; // }\n",
		"int f(void) <% return 0; %>\nint a<:2:>;\n",
		"#if 0\nint g( { unbalanced but dead\n#endif\n",
		"#define BEGIN {\nint f(void) BEGIN return 0; }\n",
		"#error don't\n",
		"int x; /* a\r\ncomment */\rint y;\r",
		"char *s = \"a\\\nb\";\nint $dollar = 0;\nint café = 1;\n",
		"int f(void) { return 0; } \x00\n",
		"int f(void) { // }\r}\r",
	}
	for _, s := range fine {
		if got := C([]byte(s)); got != "" {
			t.Errorf("C(%q) = %q, want \"\"", s, got)
		}
	}
	broken := []string{
		"int f(void) { return 0; }\n/* unterminated\n",
		"#include <a.h>\n/*",
		"int f(void) { return \"x; }\n",
		"int f(void) { return 0;\n",
		"int f(void) { return 0; }}\n",
		"int f(void) { return a[0); }\n",
		"int f(void) { return @x; }\n",
		"int f(void) { return 0; } \\ \n",
		"int x # y;\n",
		"int f(void) {\n<<<<<<< HEAD\n\treturn 0;\n=======\n\treturn 1;\n>>>>>>> b\n}\n",
		"int f(void) { return '\x01'; \x01 }\n",
		"int x = \xff;\n",
		"int f(void) { // \r}}\r",
	}
	for _, s := range broken {
		if got := C([]byte(s)); got == "" {
			t.Errorf("C(%q) = \"\", want a problem", s)
		}
	}
}

func TestGo(t *testing.T) {
	if got := Go([]byte("package p\n\nfunc f() {}\n")); got != "" {
		t.Errorf("a valid file: %q", got)
	}
	if got := Go([]byte("package p\n\nfunc f( {\n")); got == "" {
		t.Error("a broken file passed")
	}
}
