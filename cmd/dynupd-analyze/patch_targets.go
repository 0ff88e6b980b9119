package main

import (
	"fmt"

	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/dynupd/dynupd-analyze/patchgen/cpatch"
	"github.com/dynupd/dynupd-analyze/patchgen/gopatch"
)

// generatorFor returns the module generator of a target.
func generatorFor(target string) (patchgen.Generator, error) {
	switch target {
	case "go":
		return gopatch.New(gopatch.Options{}), nil
	case "klp":
		return cpatch.NewKLP(cpatch.Options{}), nil
	case "ulp":
		return cpatch.NewULP(cpatch.Options{}), nil
	}
	return nil, fmt.Errorf("unknown target %q", target)
}
