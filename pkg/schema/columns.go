package schema

// Column is one archive column of a topic and the type DuckDB reads it as
// (what DESCRIBE shows: VARCHAR, BIGINT, DECIMAL(18,4), DATE, ...).
type Column struct {
	Name, DuckDBType string
}

// Columns lists the archive columns of s: the typed fields, then the
// metadata columns, in file order. The Hive partition column dt is in the
// path, not in the files, and is not listed.
func (s *Schema) Columns() []Column {
	var out []Column
	for _, c := range s.ddlColumns() {
		out = append(out, Column{c.name, sqlType("duckdb", c)})
	}
	return out
}
