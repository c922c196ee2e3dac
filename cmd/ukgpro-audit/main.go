// Command ukgpro-audit answers an auditor's questions from the loader's
// Parquet archive (local or s3://): an employee's timeline, the bitemporal
// state as of an instant, SCD2 history tables, completeness verification
// against itself or the brokers, a diff of two archives, and a replay of
// archived history into Kafka or to stdout. `ukgpro-audit --help` lists the
// subcommands; `ukgpro-audit SUBCOMMAND --help` their flags. Exit status: 0
// success, 1 a defect or difference found (or a failure), 2 bad input.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil, ops.IsTerminal(os.Stdout)))
}

const prog = "ukgpro-audit"

// command is one subcommand.
type command struct {
	name, args, summary string
	// kafka: the subcommand may talk to Kafka (its KAFKA_* settings apply).
	kafka bool
}

var commands = []command{
	{"timeline", "COMPANY/EMPLOYEE", "every version of the employee's records across topics, field by field, with lifecycle events and deletions", false},
	{"as-of", "--known-at T [--effective-at D] [--employee K | --company C]", "each employee's state as the archive knew it at T (and the job in effect on D)", false},
	{"history", "--topic T --out DIR|-", "SCD type 2 table of a topic: valid_from, valid_to, is_current, is_deleted, typed columns", false},
	{"verify", "[--brokers HOST:PORT,...]", "prove the archive complete and well-formed, against the brokers when given (default KAFKA_BROKERS)", true},
	{"diff", "ROOT_A ROOT_B", "prove two archives hold the same rows, or list the difference", false},
	{"replay", "--topic T [--since TIME] (--to-topic NAME | --ndjson)", "stream archived history in its original per-partition order into a topic or to stdout", true},
}

// exit codes
const (
	exitOK     = 0
	exitDefect = 1
	exitInput  = 2
)

// inv is one invocation: its streams, flags and environment.
type inv struct {
	ctx            context.Context
	stdout, stderr io.Writer
	lookup         envconfig.Lookuper
	tty            bool

	archive, format, out string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup envconfig.Lookuper, tty bool) int {
	if lookup == nil {
		lookup = envconfig.OsLookuper()
	}
	in := &inv{ctx: ctx, stdout: stdout, stderr: stderr, lookup: lookup, tty: tty}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		in.usage(stdout)
		if len(args) == 0 {
			return exitInput
		}
		return exitOK
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "%s: unknown subcommand %q (see --help)\n", prog, args[0])
		return exitInput
	}
	code, err := in.subcommand(cmd, args[1:])
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, audit.ErrInput.Error()+": "), errUsage.Error()+": ")
		fmt.Fprintf(stderr, "%s %s: %s\n", prog, cmd.name, msg)
		if errors.Is(err, audit.ErrInput) || errors.Is(err, errUsage) {
			return exitInput
		}
		return exitDefect
	}
	return code
}

var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s (see --help)", errUsage, fmt.Sprintf(format, args...))
}

func (in *inv) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s SUBCOMMAND [flags] [args]\n\nAnswers an auditor's questions from the loader's Parquet archive (--archive, default LOADER_OUTPUT).\n\nSubcommands:\n", prog)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n            %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\n`%s SUBCOMMAND --help` lists its flags and settings. Exit status: 0 ok, 1 defect/difference found or failure, 2 bad input.\n\n", prog)
	vars, _ := envconf.Vars(&config{})
	envconf.Usage(w, prog, vars)
}

// flags are a subcommand's flags.
type flags struct {
	fs *flag.FlagSet

	knownAt, effectiveAt, employee, company string
	topic, since, toTopic, brokers          string
	ndjson                                  bool
}

func (in *inv) subcommand(cmd *command, args []string) (int, error) {
	f := &flags{fs: flag.NewFlagSet(prog+" "+cmd.name, flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(io.Discard)
	fs.StringVar(&in.archive, "archive", "", "archive root: a directory, file:///path or s3://bucket/prefix (default: LOADER_OUTPUT)")
	if cmd.name != "verify" && cmd.name != "replay" {
		fs.StringVar(&in.format, "format", "", "output format: table, csv, json (one object per line) or parquet (with --out); default table on a terminal, csv otherwise")
		fs.StringVar(&in.out, "out", "", "write to this file (history: this directory) instead of stdout")
	}
	switch cmd.name {
	case "as-of":
		fs.StringVar(&f.knownAt, "known-at", "", "transaction time: what the archive had received by then (RFC 3339, or YYYY-MM-DD for the end of that UTC day); required")
		fs.StringVar(&f.effectiveAt, "effective-at", "", "valid time YYYY-MM-DD: add the job-history row in effect on that date")
		fs.StringVar(&f.employee, "employee", "", "only this employee, COMPANY/EMPLOYEE")
		fs.StringVar(&f.company, "company", "", "only this company's employees")
	case "history":
		fs.StringVar(&f.topic, "topic", "", "topic: employees, people, job-history, compensation, lifecycle (or the full name); required")
	case "verify":
		fs.StringVar(&in.format, "format", "", "report format: table, csv or json; default table on a terminal, csv otherwise")
		fs.StringVar(&f.brokers, "brokers", "", "also check against these brokers, host:port,... (default: KAFKA_BROKERS when set)")
	case "replay":
		fs.StringVar(&f.topic, "topic", "", "archived topic to replay (schema name or full name); required")
		fs.StringVar(&f.since, "since", "", "only messages archived (Kafka timestamp) at or after this instant (RFC 3339 or YYYY-MM-DD)")
		fs.StringVar(&f.toTopic, "to-topic", "", "produce into this Kafka topic (created with the archive's partition count when missing)")
		fs.BoolVar(&f.ndjson, "ndjson", false, "write the messages to stdout, one JSON object per line")
		fs.StringVar(&f.brokers, "brokers", "", "brokers of --to-topic, host:port,... (default: KAFKA_BROKERS)")
	}
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				in.subUsage(cmd, fs)
				return exitOK, nil
			}
			return 0, usageError("%v", err)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	format := audit.FormatCSV
	if in.tty {
		format = audit.FormatTable
	}
	if in.format != "" {
		var err error
		if format, err = audit.ParseFormat(in.format); err != nil {
			return 0, err
		}
	}
	if format == audit.FormatParquet && in.out == "" && cmd.name != "history" {
		return 0, usageError("--format parquet needs --out FILE")
	}
	switch cmd.name {
	case "timeline":
		if len(pos) != 1 {
			return 0, usageError("want one COMPANY/EMPLOYEE")
		}
		return in.query(format, func(a *audit.Archive) (*audit.Result, error) { return a.Timeline(in.ctx, pos[0]) })
	case "as-of":
		if len(pos) > 0 {
			return 0, usageError("unexpected argument %q", pos[0])
		}
		q, err := f.asOf()
		if err != nil {
			return 0, err
		}
		return in.query(format, func(a *audit.Archive) (*audit.Result, error) { return a.AsOf(in.ctx, q) })
	case "history":
		return in.history(f, pos, format)
	case "verify":
		if len(pos) > 0 {
			return 0, usageError("unexpected argument %q", pos[0])
		}
		return in.verify(f, format)
	case "diff":
		if len(pos) != 2 {
			return 0, usageError("want ROOT_A ROOT_B")
		}
		return in.diff(pos, format)
	case "replay":
		if len(pos) > 0 {
			return 0, usageError("unexpected argument %q", pos[0])
		}
		return in.replay(f)
	}
	return 0, usageError("unknown subcommand")
}

func (in *inv) subUsage(cmd *command, fs *flag.FlagSet) {
	w := in.stdout
	fmt.Fprintf(w, "Usage: %s %s %s\n\n%s.\n\nFlags:\n", prog, cmd.name, cmd.args, strings.ToUpper(cmd.summary[:1])+cmd.summary[1:])
	fs.VisitAll(func(fl *flag.Flag) {
		kind := " VALUE"
		if fl.Name == "ndjson" {
			kind = ""
		}
		fmt.Fprintf(w, "  --%s%s\n        %s\n", fl.Name, kind, fl.Usage)
	})
	fmt.Fprintln(w)
	vars, _ := envconf.Vars(&config{})
	if cmd.kafka {
		kv, _ := envconf.Vars(&kafkaConfig{})
		vars = append(vars, kv...)
	}
	envconf.Usage(w, prog+" "+cmd.name, vars)
}

// open reads the environment (with --archive over LOADER_OUTPUT) and opens
// an archive.
func (in *inv) open(root string) (*audit.Archive, error) {
	overlay := map[string]string{}
	if root != "" {
		overlay["LOADER_OUTPUT"] = root
	}
	var cfg config
	if err := envconf.Parse(in.ctx, prog, &cfg, nil, envconfig.MultiLookuper(envconfig.MapLookuper(overlay), in.lookup)); err != nil {
		if strings.Contains(err.Error(), "LOADER_OUTPUT is required") {
			return nil, usageError("no archive: pass --archive ROOT or set LOADER_OUTPUT")
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	log := ops.NewLogger(cfg.Log, in.stderr)
	return audit.Open(in.ctx, cfg.Audit, log)
}

// kafka reads the KAFKA_* settings with --brokers over KAFKA_BROKERS; nil
// when neither names a broker.
func (in *inv) kafka(brokers string) (*kafkaConfig, error) {
	overlay := map[string]string{}
	if brokers != "" {
		overlay["KAFKA_BROKERS"] = brokers
	}
	l := envconfig.MultiLookuper(envconfig.MapLookuper(overlay), in.lookup)
	if v, ok := l.Lookup("KAFKA_BROKERS"); !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var kc kafkaConfig
	if err := envconf.Parse(in.ctx, prog, &kc, nil, l); err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return &kc, nil
}

func (in *inv) query(format audit.Format, q func(*audit.Archive) (*audit.Result, error)) (int, error) {
	a, err := in.open(in.archive)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	res, err := q(a)
	if err != nil {
		return 0, err
	}
	return exitOK, in.write(a, res, format)
}

func (in *inv) write(a *audit.Archive, res *audit.Result, format audit.Format) error {
	if format == audit.FormatParquet {
		return a.WriteParquet(in.ctx, res, in.out)
	}
	if in.out == "" {
		return res.Write(in.stdout, format)
	}
	f, err := os.Create(in.out)
	if err != nil {
		return fmt.Errorf("%w: --out: %v", audit.ErrInput, err)
	}
	if err := res.Write(f, format); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (f *flags) asOf() (audit.AsOfQuery, error) {
	var q audit.AsOfQuery
	if f.knownAt == "" {
		return q, usageError("--known-at is required")
	}
	t, err := parseInstant(f.knownAt, true)
	if err != nil {
		return q, fmt.Errorf("%w: --known-at: %v", audit.ErrInput, err)
	}
	q.KnownAt = t
	if f.effectiveAt != "" {
		d, err := time.Parse(time.DateOnly, f.effectiveAt)
		if err != nil {
			return q, fmt.Errorf("%w: --effective-at %q: want YYYY-MM-DD", audit.ErrInput, f.effectiveAt)
		}
		q.EffectiveAt = &d
	}
	if f.employee != "" && f.company != "" {
		return q, usageError("--employee and --company exclude each other")
	}
	q.Employee, q.Company = f.employee, f.company
	return q, nil
}

// parseInstant reads RFC 3339, a UTC date-time without zone, or a date:
// with endOfDay the end of that UTC day (what was known on D), else its
// start.
func parseInstant(s string, endOfDay bool) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if endOfDay {
			return d.Add(24*time.Hour - time.Nanosecond), nil
		}
		return d, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an instant (RFC 3339, e.g. 2026-03-01T12:00:00Z)", s)
}

func (in *inv) history(f *flags, pos []string, format audit.Format) (int, error) {
	if len(pos) > 0 {
		return 0, usageError("unexpected argument %q", pos[0])
	}
	if f.topic == "" {
		return 0, usageError("--topic is required")
	}
	if in.out == "" {
		return 0, usageError("--out DIR (Parquet) or --out - (CSV/JSON to stdout) is required")
	}
	a, err := in.open(in.archive)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	dir := in.out
	if dir == "-" {
		dir = ""
		if format == audit.FormatParquet {
			return 0, usageError("--out - writes CSV or JSON; give a directory for Parquet")
		}
	}
	start := time.Now()
	res, err := a.History(in.ctx, f.topic, dir)
	if err != nil {
		return 0, err
	}
	if dir != "" {
		fmt.Fprintf(in.stderr, "%s history: %v rows in %s (%s)\n", prog, res.Rows[0][1], res.Rows[0][0], time.Since(start).Round(time.Millisecond))
		return exitOK, nil
	}
	return exitOK, res.Write(in.stdout, format)
}

func (in *inv) verify(f *flags, format audit.Format) (int, error) {
	kc, err := in.kafka(f.brokers)
	if err != nil {
		return 0, err
	}
	a, err := in.open(in.archive)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	var rep *audit.Report
	if kc != nil {
		rep, err = a.Verify(in.ctx, &kc.Kafka)
	} else {
		rep, err = a.Verify(in.ctx, nil)
	}
	if err != nil {
		return 0, err
	}
	if err := rep.Summary().Write(in.stdout, format); err != nil {
		return 0, err
	}
	if rep.OK() {
		fmt.Fprintf(in.stderr, "%s verify: no defect\n", prog)
		return exitOK, nil
	}
	fmt.Fprintln(in.stdout)
	if err := rep.DefectsResult().Write(in.stdout, format); err != nil {
		return 0, err
	}
	fmt.Fprintf(in.stderr, "%s verify: %d defects\n", prog, len(rep.Defects))
	return exitDefect, nil
}

func (in *inv) diff(roots []string, format audit.Format) (int, error) {
	a, err := in.open(roots[0])
	if err != nil {
		return 0, err
	}
	defer a.Close()
	b, err := in.open(roots[1])
	if err != nil {
		return 0, err
	}
	defer b.Close()
	rep, err := audit.Diff(in.ctx, a, b)
	if err != nil {
		return 0, err
	}
	if err := rep.Topics.Write(in.stdout, format); err != nil {
		return 0, err
	}
	if rep.Equal {
		fmt.Fprintf(in.stderr, "%s diff: the archives hold the same rows\n", prog)
		return exitOK, nil
	}
	fmt.Fprintln(in.stdout)
	if err := rep.Samples.Write(in.stdout, format); err != nil {
		return 0, err
	}
	fmt.Fprintf(in.stderr, "%s diff: the archives differ\n", prog)
	return exitDefect, nil
}

func (in *inv) replay(f *flags) (int, error) {
	if f.topic == "" {
		return 0, usageError("--topic is required")
	}
	if (f.toTopic == "") == !f.ndjson {
		return 0, usageError("give exactly one of --to-topic NAME and --ndjson")
	}
	var since time.Time
	if f.since != "" {
		var err error
		if since, err = parseInstant(f.since, false); err != nil {
			return 0, fmt.Errorf("%w: --since: %v", audit.ErrInput, err)
		}
	}
	a, err := in.open(in.archive)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	topic, err := a.Topic(f.topic)
	if err != nil {
		return 0, err
	}
	if f.ndjson {
		_, err := a.Replay(in.ctx, f.topic, since, audit.NDJSON(in.stdout, topic))
		return exitOK, err
	}
	kc, err := in.kafka(f.brokers)
	if err != nil {
		return 0, err
	}
	if kc == nil {
		return 0, usageError("--to-topic needs --brokers or KAFKA_BROKERS")
	}
	parts, err := a.Partitions(in.ctx, f.topic)
	if err != nil {
		return 0, err
	}
	name := strings.TrimPrefix(topic, kc.Kafka.TopicPrefix)
	p, err := audit.NewProducer(in.ctx, &kc.Kafka, name, f.toTopic, parts)
	if err != nil {
		return 0, err
	}
	n, err := a.Replay(in.ctx, f.topic, since, p.Emit(in.ctx))
	if cerr := p.Close(context.WithoutCancel(in.ctx)); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(in.stderr, "%s replay: %d messages of %s into %s\n", prog, n, topic, f.toTopic)
	return exitOK, nil
}
