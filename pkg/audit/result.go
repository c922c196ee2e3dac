package audit

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Format is how a [Result] is written.
type Format string

// The output formats.
const (
	FormatTable   Format = "table"   // aligned columns for a terminal
	FormatCSV     Format = "csv"     // RFC 4180 with a header row
	FormatJSON    Format = "json"    // one JSON object per line
	FormatParquet Format = "parquet" // a Parquet file (needs a file, not a terminal)
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatCSV, FormatJSON, FormatParquet:
		return f, nil
	}
	return "", inputError("unknown format %q (want table, csv, json or parquet)", s)
}

// Result is the answer of a query: named columns and rows of plain values
// (string, int64, bool, time.Time, *big.Rat for decimals, nil).
type Result struct {
	Columns []string
	// Types are DuckDB type names of the columns ("VARCHAR", "DATE",
	// "TIMESTAMP WITH TIME ZONE", "DECIMAL(12,2)", ...), used for Parquet
	// output and date formatting.
	Types []string
	Rows  [][]any
}

// query runs q and collects its rows.
func (a *Archive) query(ctx context.Context, q string, args ...any) (*Result, error) {
	rows, err := a.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collect(rows)
}

func collect(rows *sql.Rows) (*Result, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	r := &Result{}
	for _, ct := range cts {
		r.Columns = append(r.Columns, ct.Name())
		r.Types = append(r.Types, ct.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = plain(v)
		}
		r.Rows = append(r.Rows, vals)
	}
	return r, rows.Err()
}

// plain turns driver values into the Result's value kinds.
func plain(v any) any {
	switch x := v.(type) {
	case duckdb.Decimal:
		if x.Value == nil {
			return nil
		}
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil)
		return decimal{r: new(big.Rat).SetFrac(x.Value, den), scale: int(x.Scale)}
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC()
	}
	return v
}

// decimal is an exact DECIMAL value.
type decimal struct {
	r     *big.Rat
	scale int
}

func (d decimal) String() string { return d.r.FloatString(d.scale) }

// MarshalJSON writes the exact number.
func (d decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// Cell renders v as text for tables and CSV; typ is the column's DuckDB type.
func Cell(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if typ == "DATE" {
			return x.Format(time.DateOnly)
		}
		return x.Format("2006-01-02T15:04:05.000Z07:00")
	case fmt.Stringer:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Write renders r to w in format f (not Parquet: see [Archive.WriteParquet]).
func (r *Result) Write(w io.Writer, f Format) error {
	typ := func(i int) string {
		if i < len(r.Types) {
			return r.Types[i]
		}
		return ""
	}
	switch f {
	case FormatTable:
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				c := Cell(v, typ(i))
				if v == nil {
					c = "·"
				}
				cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		return tw.Flush()
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(r.Columns); err != nil {
			return err
		}
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = Cell(v, typ(i))
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, row := range r.Rows {
			obj := make(orderedObject, len(row))
			for i, v := range row {
				if t, ok := v.(time.Time); ok {
					v = Cell(t, typ(i))
				}
				obj[i] = field{r.Columns[i], v}
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("format %s needs --out FILE", f)
}

type field struct {
	name  string
	value any
}

// orderedObject is a JSON object that keeps the column order.
type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// WriteParquet writes r as a Parquet file at path, with its column types.
func (a *Archive) WriteParquet(ctx context.Context, r *Result, path string) error {
	cols := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		t := "VARCHAR"
		if i < len(r.Types) && r.Types[i] != "" {
			t = r.Types[i]
		}
		cols[i] = ident(c) + " " + t
	}
	if _, err := a.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE audit_out ("+strings.Join(cols, ", ")+")"); err != nil {
		return fmt.Errorf("parquet output: %w", err)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	ph := strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",")
	st, err := tx.PrepareContext(ctx, "INSERT INTO audit_out VALUES ("+ph+")")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, row := range r.Rows {
		args := make([]any, len(row))
		for i, v := range row {
			if d, ok := v.(decimal); ok {
				v = d.String()
			}
			args[i] = v
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("parquet output: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = a.db.ExecContext(ctx, fmt.Sprintf("COPY audit_out TO %s (FORMAT parquet, COMPRESSION zstd)", sqlString(path)))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
