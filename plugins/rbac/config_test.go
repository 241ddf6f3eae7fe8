package rbac_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigs(t *testing.T) { schema.TestConfigDirs(t, rbac.Definition, "testdata") }
