// Package envconf loads a program's configuration from environment variables
// with go-envconfig, lets command-line flags override them for one-off runs,
// prints every variable with its default and meaning for --help, and keeps
// secrets out of everything it prints.
//
// A configuration is a plain struct. Each leaf field carries the go-envconfig
// tag plus two of ours:
//
//	type Config struct {
//		BaseURL  string         `env:"UKG_BASE_URL, required" desc:"tenant service host, e.g. https://service4.ultipro.com"`
//		Password envconf.Secret `env:"UKG_PASSWORD, required" desc:"web service account password"`
//		PerPage  int            `env:"UKG_PER_PAGE, default=200" flag:"per-page" desc:"rows asked for per page"`
//		Once     bool           `flag:"once" desc:"run every endpoint once and exit"`
//	}
//
// A field with a flag tag and no env tag is a pure command-line switch
// (--once, --drain). Nested structs use go-envconfig's prefix option, so a
// package's own Config can be embedded in a program's.
//
// Errors returned by [Parse] are one line and name the variable; the values of
// [Secret] fields never appear in them.
package envconf

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sethvargo/go-envconfig"
)

// Secret is a string that never prints itself: String, GoString, LogValue and
// MarshalText all return "REDACTED" (or "" when empty). Call Reveal to use it.
type Secret string

const redacted = "REDACTED"

// Reveal returns the secret's value. Call it only where the value is sent to
// its one legitimate recipient (an Authorization header, an HMAC key).
func (s Secret) Reveal() string { return string(s) }

func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer.
func (s Secret) String() string { return s.mask() }

// GoString implements fmt.GoStringer, so %#v hides it too.
func (s Secret) GoString() string { return strconv.Quote(s.mask()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalText implements encoding.TextMarshaler, so JSON output hides it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// ErrHelp is returned by Parse after it printed the usage for -h/--help.
var ErrHelp = errors.New("help requested")

// Var describes one configuration variable or flag.
type Var struct {
	Env      string // environment variable, "" for a flag-only switch
	Flag     string // command-line flag name without dashes, "" if none
	Default  string
	Required bool
	Secret   bool
	Desc     string
	path     []string      // struct field names from the root
	value    reflect.Value // settable field
}

// Vars lists the variables of target (a pointer to a config struct), in
// declaration order.
func Vars(target any) ([]Var, error) {
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("envconf: target must be a pointer to a struct, got %T", target)
	}
	var out []Var
	walk(rv.Elem(), "", nil, &out)
	return out, nil
}

var secretType = reflect.TypeFor[Secret]()

func walk(v reflect.Value, prefix string, path []string, out *[]Var) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		p := append(append([]string(nil), path...), sf.Name)
		name, opts := parseTag(sf.Tag.Get("env"))
		if sf.Type.Kind() == reflect.Struct && sf.Type != secretType && !isLeafStruct(sf.Type) {
			walk(fv, prefix+opts["prefix"], p, out)
			continue
		}
		flagName := sf.Tag.Get("flag")
		if name == "" && flagName == "" {
			continue
		}
		vr := Var{
			Flag:   flagName,
			Desc:   sf.Tag.Get("desc"),
			Secret: sf.Type == secretType,
			path:   p,
			value:  fv,
		}
		if name != "" {
			vr.Env = prefix + name
			vr.Default = opts["default"]
			_, vr.Required = opts["required"]
		}
		*out = append(*out, vr)
	}
}

// isLeafStruct reports struct types decoded from one string (time.Time-like).
func isLeafStruct(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[envconfig.Decoder]()) ||
		pt.Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]())
}

// parseTag splits `NAME, default=x, required` into the name and options. A
// default may contain commas only as the last option, as in go-envconfig.
func parseTag(tag string) (string, map[string]string) {
	opts := map[string]string{}
	if tag == "" {
		return "", opts
	}
	name, rest, _ := strings.Cut(tag, ",")
	name = strings.TrimSpace(name)
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		k, val, _ := strings.Cut(part, "=")
		if k == "default" {
			// go-envconfig takes everything after "default=" up to the end.
			val = strings.TrimSpace(val)
			if rest != "" {
				val += "," + rest
			}
			opts[k] = val
			break
		}
		opts[k] = val
	}
	return name, opts
}

// Parse fills target from args (flags override variables), the lookuper (nil
// means the process environment) and the defaults, then calls
// target.Validate() if it has one. -h/--help prints Usage to stdout and
// returns ErrHelp. Every other error is one line that names the variable.
func Parse(ctx context.Context, prog string, target any, args []string, lookup envconfig.Lookuper) error {
	return parse(ctx, prog, target, args, lookup, os.Stdout)
}

func parse(ctx context.Context, prog string, target any, args []string, lookup envconfig.Lookuper, stdout io.Writer) error {
	vars, err := Vars(target)
	if err != nil {
		return err
	}
	if lookup == nil {
		lookup = envconfig.OsLookuper()
	}
	overlay := map[string]string{}
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	for i := range vars {
		v := &vars[i]
		if v.Flag == "" {
			continue
		}
		if v.Env == "" && v.value.Kind() == reflect.Bool {
			fs.BoolVar(v.value.Addr().Interface().(*bool), v.Flag, false, v.Desc)
			continue
		}
		env := v.Env
		fs.Func(v.Flag, v.Desc, func(s string) error {
			if env == "" {
				return setString(v.value, s)
			}
			overlay[env] = s
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (see --help)", err)
	}
	if *help {
		Usage(stdout, prog, vars)
		return ErrHelp
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	l := envconfig.MultiLookuper(envconfig.MapLookuper(overlay), lookup)
	for _, v := range vars {
		if v.Env == "" || !v.Required {
			continue
		}
		if s, ok := l.Lookup(v.Env); !ok || strings.TrimSpace(s) == "" {
			return fmt.Errorf("%s is required: %s", v.Env, v.Desc)
		}
	}
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: target, Lookuper: l}); err != nil {
		return describe(err, vars, l)
	}
	if val, ok := target.(interface{ Validate() error }); ok {
		if err := val.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func setString(v reflect.Value, s string) error {
	if v.Kind() != reflect.String {
		return fmt.Errorf("flag needs a string field")
	}
	v.SetString(s)
	return nil
}

// describe turns go-envconfig's "Field: Field: cause" into one line naming
// the variable, hiding the value of secrets.
func describe(err error, vars []Var, l envconfig.Lookuper) error {
	msg := err.Error()
	for _, v := range vars {
		prefix := strings.Join(v.path, ": ") + ": "
		if !strings.HasPrefix(msg, prefix) || v.Env == "" {
			continue
		}
		cause := strings.TrimPrefix(msg, prefix)
		if v.Secret {
			return fmt.Errorf("%s: malformed value", v.Env)
		}
		val, _ := l.Lookup(v.Env)
		if val == "" {
			val = v.Default
		}
		// strconv messages repeat the value; keep only the reason.
		if i := strings.LastIndex(cause, ": "); i >= 0 {
			cause = cause[i+2:]
		}
		return fmt.Errorf("%s=%q: %s (want %s)", v.Env, val, cause, kindName(v.value.Type()))
	}
	return fmt.Errorf("configuration: %s", msg)
}

func kindName(t reflect.Type) string {
	switch {
	case t.String() == "time.Duration":
		return "a duration such as 30s or 5m"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Slice:
		return "a comma-separated list"
	}
	return "a " + t.String()
}

// Usage prints every variable and flag with its default and meaning. Secrets
// are marked, and their defaults (if any) are never shown; a required secret
// says so at the end of its meaning.
func Usage(w io.Writer, prog string, vars []Var) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\nEvery setting is an environment variable; a flag, where listed, overrides it.\n\n", prog)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tFLAG\tDEFAULT\tMEANING")
	sorted := append([]Var(nil), vars...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Env != "" && sorted[j].Env == "" })
	for _, v := range sorted {
		env, fl, def, desc := v.Env, "", v.Default, v.Desc
		if env == "" {
			env = "-"
		}
		if v.Flag != "" {
			fl = "--" + v.Flag
		}
		switch {
		case v.Secret:
			def = "(secret)"
			if v.Required {
				// The default column shows only "(secret)": say it here.
				desc += " (required)"
			}
		case v.Required:
			def = "(required)"
		case def == "" && v.Env != "":
			def = `""`
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", env, fl, def, desc)
	}
	tw.Flush()
}
