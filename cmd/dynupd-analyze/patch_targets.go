package main

import (
	"fmt"

	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/dynupd/dynupd-analyze/patchgen/cpatch"
	"github.com/dynupd/dynupd-analyze/patchgen/gopatch"
)

// generatorFor returns the module generator of a target; goproxy is the
// GOPROXY of the Go check ("" for the module cache only).
func generatorFor(target, goproxy string) (patchgen.Generator, error) {
	switch target {
	case "go":
		return gopatch.New(gopatch.Options{GoProxy: goproxy}), nil
	case "klp":
		return cpatch.NewKLP(cpatch.Options{}), nil
	case "ulp":
		return cpatch.NewULP(cpatch.Options{}), nil
	}
	return nil, fmt.Errorf("unknown target %q", target)
}
