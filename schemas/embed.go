// Package schemas holds the JSON Schemas (draft 2020-12) of every topic value,
// one file per released version: <topic>/v<major>.<minor>.json. They are the
// single source of truth of the data contract; package pkg/schema embeds them
// through FS and derives everything else (validator, Arrow and Parquet
// schemas, DDL, docs/schemas.md) from them.
//
// Released versions are never edited: add a field by copying the latest file
// to the next minor version; remove or retype one only in a new major version.
// TestCompatibility in pkg/schema enforces this.
package schemas

import "embed"

// FS holds every schemas/<topic>/v*.json file.
//
//go:embed */v*.json
var FS embed.FS
