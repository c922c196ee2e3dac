// Command schemadoc writes docs/schemas.md from the embedded schemas, or with
// -check fails when the file is stale (CI). Also prints DDL:
//
//	go run ./cmd/schemadoc > docs/schemas.md
//	go run ./cmd/schemadoc -check docs/schemas.md
//	go run ./cmd/schemadoc -ddl trino -topic employees -location s3://lake/ukgpro/employees
//	go run ./cmd/schemadoc -ddl duckdb -views -location /data/archive
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

type config struct {
	Check    string `flag:"check" desc:"compare this file with the generated docs and exit 1 when it differs"`
	DDL      string `flag:"ddl" desc:"print DDL for this dialect (duckdb, spark, trino, athena) instead of the docs"`
	Topic    string `flag:"topic" desc:"topic for -ddl, e.g. employees"`
	Location string `flag:"location" desc:"archive directory of the topic for -ddl (with -views: the archive root)"`
	Views    bool   `flag:"views" desc:"with -ddl duckdb: print the analyst views over the archive root (employees labeled with department, job and location names, as-of macros, headcount by department)"`
	Prefix   string `flag:"prefix" desc:"topic prefix of the archive's directories, for -views (default ukgpro.)"`
}

func (c *config) Validate() error {
	if c.Views {
		if c.DDL != "duckdb" || c.Location == "" {
			return errors.New("-views needs -ddl duckdb and -location (the archive root)")
		}
		return nil
	}
	if c.DDL != "" && (c.Topic == "" || c.Location == "") {
		return errors.New("-ddl needs -topic and -location")
	}
	return nil
}

func main() {
	var cfg config
	if err := envconf.Parse(context.Background(), "schemadoc", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "schemadoc: %v\n", err)
		os.Exit(2)
	}
	if err := run(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "schemadoc: %v\n", err)
		os.Exit(1)
	}
}

func run(cfg *config) error {
	reg, err := schema.Load()
	if err != nil {
		return err
	}
	if cfg.Views {
		prefix := cfg.Prefix
		if prefix == "" {
			prefix = "ukgpro."
		}
		ddl, err := reg.AnalystViews(cfg.Location, prefix)
		if err != nil {
			return err
		}
		_, err = os.Stdout.WriteString(ddl)
		return err
	}
	if cfg.DDL != "" {
		s := reg.Topic(cfg.Topic)
		if s == nil {
			return fmt.Errorf("topic %q unknown: want one of %s", cfg.Topic, strings.Join(reg.Names(), ", "))
		}
		ddl, err := s.DDL(cfg.DDL, strings.ReplaceAll(cfg.Topic, "-", "_"), cfg.Location)
		if err != nil {
			return err
		}
		_, err = os.Stdout.WriteString(ddl)
		return err
	}
	var doc bytes.Buffer
	if err := reg.WriteMarkdown(&doc); err != nil {
		return err
	}
	if cfg.Check != "" {
		have, err := os.ReadFile(cfg.Check)
		if err != nil {
			return fmt.Errorf("check docs: %w", err)
		}
		if !bytes.Equal(have, doc.Bytes()) {
			return fmt.Errorf("%s is stale: run go run ./cmd/schemadoc > %s", cfg.Check, cfg.Check)
		}
		return nil
	}
	_, err = os.Stdout.Write(doc.Bytes())
	return err
}
