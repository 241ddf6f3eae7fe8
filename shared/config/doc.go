// Package config is wasmward's strict JSON config handling, shared by every plugin, the glue and
// the CLI: the versioned envelope every plugin config is wrapped in, a decoder that rejects
// unknown fields, case-mismatched names, duplicate members and wrong types with the JSON path of
// the offending field, and an error type that names that path.
//
// A plugin config is
//
//	{
//	  "apiVersion": "wasmward/v1",   // required
//	  "plugin": "rbac",              // required, must name the plugin loading it
//	  "shadow": false,               // default false: decide and record, never block
//	  "failureMode": "closed",       // "closed" (default): an internal error denies with 500;
//	                                 // "open": it lets the request through. Never implicit.
//	  "audit": {"allows": false},    // default false: audit lines for denies only
//	  "spec": { ... }                // the plugin's own settings, parsed by the plugin
//	}
package config
