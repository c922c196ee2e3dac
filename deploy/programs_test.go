package deploy_test

import (
	"bufio"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

// The tests run in deploy/; the repository root is one up.
const root = ".."

// runtimeVars are read by the Go runtime, not by a program's configuration.
var runtimeVars = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true, "GODEBUG": true}

// helpVar is one row of a program's --help.
type helpVar struct {
	Default  string
	Required bool
	Secret   bool
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	stopPipeline()
	os.Exit(code)
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, COPY...
	Args string
}

func dockerfile(t *testing.T) []instruction {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || line == "" && cur.Len() == 0 {
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		cur.WriteString(strings.TrimSuffix(line, "\\"))
		cur.WriteString(" ")
		if cont {
			continue
		}
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{Cmd: strings.ToUpper(cmd), Args: strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// buildCommand is the build stage's `go build` RUN line without its --mount
// flags, its output directory (-o DIR/) and the stage it belongs to.
func buildCommand(t *testing.T) (cmd, outDir string) {
	t.Helper()
	var found []string
	for _, in := range dockerfile(t) {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") {
			found = append(found, in.Args)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the Dockerfile has %d RUN lines with `go build`, want one: %q", len(found), found)
	}
	fields := strings.Fields(found[0])
	for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
		fields = fields[1:]
	}
	cmd = strings.Join(fields, " ")
	for i, f := range fields {
		if f == "-o" && i+1 < len(fields) {
			outDir = fields[i+1]
		}
	}
	if !strings.HasSuffix(outDir, "/") {
		t.Fatalf("the build writes to %q: want -o DIR/ (one directory for every binary)", outDir)
	}
	return cmd, outDir
}

// binaries runs the Dockerfile's build command (CGO_ENABLED=0 included) for
// this machine's OS and architecture into a temporary directory, once, and
// returns that directory.
func binaries(t *testing.T) string {
	t.Helper()
	cmd, outDir := buildCommand(t)
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "deploy-bin-")
		if buildErr != nil {
			return
		}
		line := strings.Replace(cmd, "-o "+outDir, "-o "+binDir+"/", 1)
		c := exec.Command("sh", "-c", line)
		c.Dir = root
		c.Env = append(os.Environ(), "TARGETOS="+runtime.GOOS, "TARGETARCH="+runtime.GOARCH)
		if out, err := c.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("the Dockerfile's build command failed: %s\n%v\n%s", line, err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// imageTargets maps each Dockerfile stage that is an image of one program
// (it has an ENTRYPOINT) to that program's binary name.
func imageTargets(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	stage := ""
	for _, in := range dockerfile(t) {
		switch in.Cmd {
		case "FROM":
			f := strings.Fields(in.Args)
			stage = ""
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				stage = f[len(f)-1]
			}
		case "ENTRYPOINT":
			var argv []string
			if err := yaml.Unmarshal([]byte(in.Args), &argv); err != nil || len(argv) == 0 {
				t.Fatalf("stage %s: ENTRYPOINT %s is not an exec-form list", stage, in.Args)
			}
			out[stage] = filepath.Base(argv[0])
		}
	}
	return out
}

// releaseImages maps each image the release workflow publishes (without
// registry owner or tag, e.g. ukgpro-loader) to its Dockerfile target.
func releaseImages(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, ".github/workflows/release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Include []struct{ Target, Image string } `json:"include"`
				} `json:"matrix"`
			} `json:"strategy"`
		} `json:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, j := range wf.Jobs {
		for _, inc := range j.Strategy.Matrix.Include {
			out[inc.Image] = inc.Target
		}
	}
	if len(out) == 0 {
		t.Fatal("release.yml publishes no image (jobs.*.strategy.matrix.include)")
	}
	return out
}

var (
	helpMu    sync.Mutex
	helpCache = map[string]map[string]helpVar{}
)

// programVars lists the environment variables of a program binary from its
// --help (envconf.Usage): the configuration structs, not a hand list.
func programVars(t *testing.T, bin string) map[string]helpVar {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	if v, ok := helpCache[bin]; ok {
		return v
	}
	path := filepath.Join(binaries(t), bin)
	c := exec.Command(path, "--help")
	c.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s --help: %v", bin, err)
	}
	vars, err := parseHelp(out)
	if err != nil {
		t.Fatalf("%s --help: %v", bin, err)
	}
	helpCache[bin] = vars
	return vars
}

// parseHelp reads envconf.Usage's table: columns start where the header's
// words do.
func parseHelp(out []byte) (map[string]helpVar, error) {
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "VARIABLE") {
			continue
		}
		flagCol, defCol, meanCol := strings.Index(l, "FLAG"), strings.Index(l, "DEFAULT"), strings.Index(l, "MEANING")
		if flagCol < 0 || defCol < flagCol || meanCol < defCol {
			return nil, fmt.Errorf("header %q is not VARIABLE FLAG DEFAULT MEANING", l)
		}
		vars := map[string]helpVar{}
		for _, row := range lines[i+1:] {
			if len(row) < meanCol {
				continue
			}
			env := strings.TrimSpace(row[:flagCol])
			if env == "-" || env == "" {
				continue
			}
			def := strings.TrimSpace(row[defCol:meanCol])
			meaning := strings.TrimSpace(row[meanCol:])
			v := helpVar{Default: def, Secret: def == "(secret)"}
			v.Required = def == "(required)" || v.Secret && strings.HasSuffix(meaning, "(required)")
			if def == `""` {
				v.Default = ""
			}
			vars[env] = v
		}
		if len(vars) == 0 {
			return nil, fmt.Errorf("no variables under the header")
		}
		return vars, nil
	}
	return nil, fmt.Errorf("no VARIABLE FLAG DEFAULT MEANING table in:\n%s", out)
}

// conditionallyRequired are variables --help cannot mark required because
// a setting decides; each group needs one of its variables set. The
// extractor's default PII policy hashes, which needs PII_HMAC_KEY
// (pkg/pii); the relay needs somewhere to send events (pkg/relay).
var conditionallyRequired = map[string][][]string{
	"extractor":    {{"PII_HMAC_KEY"}},
	"ukgpro-relay": {{"RELAY_WEBHOOK_URL", "RELAY_ROUTES_FILE"}},
}

// checkEnv reports variables in env that bin does not know and required
// ones it lacks. where names the deployment object for the messages.
func checkEnv(t *testing.T, where, bin string, env map[string]string) {
	t.Helper()
	vars := programVars(t, bin)
	for name := range env {
		if _, ok := vars[name]; !ok && !runtimeVars[name] {
			t.Errorf("%s sets %s, which %s does not know (not in `%s --help`)", where, name, bin, bin)
		}
	}
	var required [][]string
	for name, v := range vars {
		if v.Required {
			required = append(required, []string{name})
		}
	}
	required = append(required, conditionallyRequired[bin]...)
	for _, group := range required {
		if !slices.ContainsFunc(group, func(name string) bool { return strings.TrimSpace(env[name]) != "" }) {
			t.Errorf("%s does not set %s, which %s requires", where, strings.Join(group, " or "), bin)
		}
	}
}

func TestDockerfileBuildsEveryImageBinary(t *testing.T) {
	cmd, _ := buildCommand(t)
	if !strings.Contains(cmd, "CGO_ENABLED=0") {
		t.Errorf("the build command does not set CGO_ENABLED=0: %s", cmd)
	}
	dir := binaries(t)
	targets := imageTargets(t)
	for target, bin := range targets {
		fi, err := os.Stat(filepath.Join(dir, bin))
		if err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("image %s runs %s, which the build command does not produce", target, bin)
		}
	}
	for _, in := range dockerfile(t) {
		if in.Cmd == "COPY" && strings.Contains(in.Args, "--from=build") {
			f := strings.Fields(in.Args)
			src := f[len(f)-2]
			if strings.HasPrefix(src, "/out/") && src != "/out/data" {
				if _, err := os.Stat(filepath.Join(dir, strings.TrimPrefix(src, "/out/"))); err != nil {
					t.Errorf("COPY %s: the build produces no such file", src)
				}
			}
		}
		if in.Cmd == "USER" && !strings.HasPrefix(in.Args, "65532") {
			t.Errorf("USER %s: the images run as the distroless nonroot user 65532", in.Args)
		}
	}
	// ENV lines of a program's stage set variables that program knows.
	stage := ""
	for _, in := range dockerfile(t) {
		switch in.Cmd {
		case "FROM":
			f := strings.Fields(in.Args)
			stage = f[len(f)-1]
		case "ENV":
			bin, ok := targets[stage]
			if !ok {
				continue
			}
			for _, kv := range strings.Fields(in.Args) {
				name, _, _ := strings.Cut(kv, "=")
				if _, known := programVars(t, bin)[name]; !known && !runtimeVars[name] {
					t.Errorf("Dockerfile stage %s sets ENV %s, which %s does not know", stage, name, bin)
				}
			}
		}
	}
	for image, target := range releaseImages(t) {
		if _, ok := targets[target]; !ok {
			t.Errorf("release.yml publishes %s from target %s, which is not a program stage of the Dockerfile", image, target)
		}
	}
	// Every binary is static: it names no dynamic loader (PT_INTERP), so
	// it runs on distroless/static.
	for _, bin := range targets {
		f, err := elf.Open(filepath.Join(dir, bin))
		if err != nil {
			t.Errorf("%s: %v", bin, err)
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s asks for a dynamic loader: not a static binary", bin)
			}
		}
		f.Close()
	}
}

// TestDockerignoreSendsWhatTheBuildNeeds: every Go package the images'
// binaries are built from (and every file they embed) is in a directory the
// .dockerignore lets through, and the large local directories are not.
func TestDockerignoreSendsWhatTheBuildNeeds(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var included []string
	excludeAll := false
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "*":
			excludeAll = true
		case strings.HasPrefix(l, "!"):
			included = append(included, strings.TrimSuffix(strings.TrimPrefix(l, "!"), "/"))
		}
	}
	if !excludeAll {
		t.Fatal(".dockerignore should exclude everything (*) and list what the build needs")
	}
	sent := func(rel string) bool {
		for _, inc := range included {
			if rel == inc || strings.HasPrefix(rel, inc+"/") {
				return true
			}
		}
		return false
	}
	for _, big := range []string{".tools", "bin", "demo-out", ".git"} {
		if sent(big) {
			t.Errorf(".dockerignore sends %s/ to the Docker daemon", big)
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if !sent(f) {
			t.Errorf(".dockerignore leaves out %s", f)
		}
	}
	cmd, _ := buildCommand(t)
	var pkgs []string
	for _, f := range strings.Fields(cmd) {
		if strings.HasPrefix(f, "./") {
			pkgs = append(pkgs, f)
		}
	}
	c := exec.Command("go", append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .EmbedFiles}} {{$.Dir}}/{{.}}{{end}}{{end}}{{end}}{{end}}"}, pkgs...)...)
	c.Dir = root
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := c.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, _ := filepath.Abs(root)
	for _, p := range strings.Fields(string(out)) {
		rel, _ := filepath.Rel(abs, p)
		if !sent(filepath.ToSlash(rel)) {
			t.Errorf("the build needs %s, which .dockerignore leaves out", rel)
		}
	}
}

// TestBinariesLinkNoDeployTestModule: the modules these tests need
// (compose-go, kustomize, k8s.io) stay test-only: no image binary links
// them (go.mod lists them, the binaries' module lists do not change).
func TestBinariesLinkNoDeployTestModule(t *testing.T) {
	dir := binaries(t)
	for _, bin := range imageTargets(t) {
		info, err := buildinfo.ReadFile(filepath.Join(dir, bin))
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		for _, d := range info.Deps {
			for _, p := range []string{"github.com/compose-spec/", "sigs.k8s.io/", "k8s.io/", "github.com/rhysd/actionlint"} {
				if strings.HasPrefix(d.Path, p) {
					t.Errorf("%s links %s %s, a module only the deploy tests should use", bin, d.Path, d.Version)
				}
			}
		}
	}
}
