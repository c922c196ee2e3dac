package schema

import (
	"fmt"
	"strings"
)

// Dialects DDL knows.
var Dialects = []string{"duckdb", "spark", "trino", "athena"}

// DDL returns the statements that expose the archive of this topic as a
// table named table over location (the topic's directory, holding
// dt=YYYY-MM-DD/*.parquet):
//
//   - duckdb: a view over read_parquet with hive_partitioning and
//     union_by_name, so files of older minor versions (fewer columns) read
//     together with new ones;
//   - spark: CREATE TABLE ... USING PARQUET PARTITIONED BY (dt), then
//     MSCK REPAIR TABLE;
//   - trino: Hive connector CREATE TABLE with external_location and
//     partitioned_by, then system.sync_partition_metadata (schema "default";
//     edit it);
//   - athena: CREATE EXTERNAL TABLE ... STORED AS PARQUET, then MSCK REPAIR.
func (s *Schema) DDL(dialect, table, location string) (string, error) {
	location = strings.TrimSuffix(location, "/")
	var b strings.Builder
	cols := s.ddlColumns()
	switch dialect {
	case "duckdb":
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s AS\nSELECT * FROM read_parquet('%s/dt=*/*.parquet', hive_partitioning = true, union_by_name = true);\n", quoteDuck(table), sqlString(location))
		b.WriteString("-- columns: ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", c.name, sqlType("duckdb", c))
		}
		b.WriteString(", dt DATE\n")
	case "spark", "athena":
		q := func(n string) string { return "`" + n + "`" }
		if dialect == "spark" {
			fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", q(table))
		} else {
			fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s (\n", q(table))
		}
		for i, c := range cols {
			sep := ","
			if i == len(cols)-1 && dialect == "athena" {
				sep = ""
			}
			fmt.Fprintf(&b, "  %s %s%s\n", q(c.name), sqlType(dialect, c), sep)
		}
		if dialect == "spark" {
			fmt.Fprintf(&b, "  `dt` DATE\n)\nUSING PARQUET\nPARTITIONED BY (`dt`)\nLOCATION '%s';\nMSCK REPAIR TABLE %s;\n", sqlString(location), q(table))
		} else {
			fmt.Fprintf(&b, ")\nPARTITIONED BY (`dt` date)\nSTORED AS PARQUET\nLOCATION '%s/';\nMSCK REPAIR TABLE %s;\n", sqlString(location), q(table))
		}
	case "trino":
		fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", quoteDuck(table))
		for _, c := range cols {
			fmt.Fprintf(&b, "  %s %s,\n", quoteDuck(c.name), sqlType("trino", c))
		}
		fmt.Fprintf(&b, "  \"dt\" DATE\n) WITH (\n  format = 'PARQUET',\n  external_location = '%s',\n  partitioned_by = ARRAY['dt']\n);\n", sqlString(location))
		fmt.Fprintf(&b, "CALL system.sync_partition_metadata('default', '%s', 'ADD');\n", sqlString(table))
	default:
		return "", fmt.Errorf("ddl: dialect %q: want one of %s", dialect, strings.Join(Dialects, ", "))
	}
	return b.String(), nil
}

type ddlColumn struct {
	name     string
	t        Type
	p, scale int
}

func (s *Schema) ddlColumns() []ddlColumn {
	var cols []ddlColumn
	for _, f := range s.Fields {
		cols = append(cols, ddlColumn{f.Column, f.Type, f.Precision, f.Scale})
	}
	for _, m := range MetaColumns {
		cols = append(cols, ddlColumn{name: m.Name, t: m.Type})
	}
	return cols
}

// sqlType is the column type of a logical type in a dialect (what DESCRIBE
// shows in DuckDB).
func sqlType(dialect string, c ddlColumn) string {
	var names [int32Type + 1]string
	switch dialect {
	case "duckdb":
		names = [int32Type + 1]string{String: "VARCHAR", Int: "BIGINT", int32Type: "INTEGER", Bool: "BOOLEAN", Date: "DATE", Timestamp: "TIMESTAMP WITH TIME ZONE", Double: "DOUBLE", JSON: "VARCHAR"}
	case "spark":
		names = [int32Type + 1]string{String: "STRING", Int: "BIGINT", int32Type: "INT", Bool: "BOOLEAN", Date: "DATE", Timestamp: "TIMESTAMP", Double: "DOUBLE", JSON: "STRING"}
	case "trino":
		names = [int32Type + 1]string{String: "VARCHAR", Int: "BIGINT", int32Type: "INTEGER", Bool: "BOOLEAN", Date: "DATE", Timestamp: "TIMESTAMP", Double: "DOUBLE", JSON: "VARCHAR"}
	case "athena":
		names = [int32Type + 1]string{String: "string", Int: "bigint", int32Type: "int", Bool: "boolean", Date: "date", Timestamp: "timestamp", Double: "double", JSON: "string"}
	}
	if c.t == Decimal {
		if dialect == "athena" {
			return fmt.Sprintf("decimal(%d,%d)", c.p, c.scale)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", c.p, c.scale)
	}
	return names[c.t]
}

func quoteDuck(n string) string { return `"` + strings.ReplaceAll(n, `"`, `""`) + `"` }
func sqlString(s string) string { return strings.ReplaceAll(s, "'", "''") }
