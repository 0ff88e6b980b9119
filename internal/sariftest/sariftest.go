// Package sariftest validates SARIF logs against the OASIS SARIF 2.1.0
// JSON schema, offline, for tests.
package sariftest

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

// SchemaID is the $id of the schema.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Validate reports whether b is a SARIF 2.1.0 log the schema accepts,
// formats asserted.
func Validate(b []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("sarif schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		return fmt.Errorf("sarif schema: %w", err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		return fmt.Errorf("sarif schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}
