package schema

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/schemas"
)

// Registry holds every released version of every topic schema.
type Registry struct {
	byName map[string][]*Schema // oldest first
	byID   map[string]*Schema
}

// Load reads the embedded schemas (schemas/<topic>/v<major>.<minor>.json),
// checks each, compiles it for the library validator and checks that it
// validates its own examples. Call it once at start-up.
func Load() (*Registry, error) { return LoadFS(schemas.FS) }

// LoadFS is Load over another file tree with the same layout (tests).
func LoadFS(fsys fs.FS) (*Registry, error) {
	files, err := fs.Glob(fsys, "*/v*.json")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load schemas: no */v*.json files")
	}
	r := &Registry{byName: map[string][]*Schema{}, byID: map[string]*Schema{}}
	for _, file := range files {
		doc, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("load schema %s: %w", file, err)
		}
		s, err := parseSchema(doc)
		if err != nil {
			return nil, fmt.Errorf("load schema %s: %w", file, err)
		}
		dir, base := path.Split(file)
		if want := "v" + s.Version.String() + ".json"; base != want || strings.TrimSuffix(dir, "/") != s.Name {
			return nil, fmt.Errorf("load schema %s: x-topic %s and x-version %s want the file %s/%s", file, s.Name, s.Version, s.Name, want)
		}
		if err := compile(s); err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", file, err)
		}
		for i, ex := range s.Examples {
			if err := s.Validate(ex); err != nil {
				return nil, fmt.Errorf("schema %s: example %d does not validate: %w", file, i, err)
			}
		}
		r.byName[s.Name] = append(r.byName[s.Name], s)
		r.byID[s.ID()] = s
	}
	for _, vs := range r.byName {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version.Less(vs[j].Version) })
	}
	return r, nil
}

// Names lists the topic names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Topic returns the latest version of a topic's schema (name without the
// topic prefix: "employees"), or nil.
func (r *Registry) Topic(name string) *Schema {
	vs := r.byName[name]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// Versions returns every released version of a topic's schema, oldest first.
func (r *Registry) Versions(name string) []*Schema { return slices.Clone(r.byName[name]) }

// Lookup returns the schema a ukg_schema header names ("employees/v1.0").
func (r *Registry) Lookup(id string) (*Schema, error) {
	if s, ok := r.byID[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("schema %q is not released", id)
}

// PIIClasses is every topic's per-field PII classes (topic → field →
// class), the input of the extractor's PII policy (pii.ClassesOf).
func (r *Registry) PIIClasses() map[string]map[string]PIIClass {
	out := make(map[string]map[string]PIIClass, len(r.byName))
	for _, name := range r.Names() {
		out[name] = r.Topic(name).PIIClasses()
	}
	return out
}
