package deploy_test

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"
)

// loadCompose loads and validates docker-compose.yml as `docker compose`
// would with the given profiles ("*": all) and an empty environment, so
// every ${VAR:-default} takes its default.
func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	return loadComposeEnv(t, nil, profiles...)
}

// userEnv is the .env the docs ask for with the relay profile: the relay
// has no default destination.
var userEnv = []string{"RELAY_WEBHOOK_URL=https://hooks.example.com/ukgpro"}

func loadComposeEnv(t *testing.T, environ []string, profiles ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithProfiles(profiles), cli.WithEnv(environ))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml (profiles %v) does not load: %v", profiles, err)
	}
	return p
}

func env(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// composePrograms maps each compose service that runs one of our images to
// its program binary (via the Dockerfile target it builds).
func composePrograms(t *testing.T, p *types.Project) map[string]string {
	t.Helper()
	targets := imageTargets(t)
	out := map[string]string{}
	for name, s := range p.Services {
		if s.Build == nil {
			continue
		}
		bin, ok := targets[s.Build.Target]
		if !ok {
			t.Errorf("service %s builds target %q, which is not a program stage of the Dockerfile", name, s.Build.Target)
			continue
		}
		out[name] = bin
	}
	return out
}

func TestComposeLoadsWithEveryProfileAndWithout(t *testing.T) {
	all := loadCompose(t, "*")
	for _, want := range []string{"kafka", "minio", "minio-init", "ukgpro-sim", "extractor", "loader", "relay", "prometheus", "grafana"} {
		if _, ok := all.Services[want]; !ok {
			t.Errorf("docker-compose.yml has no service %s", want)
		}
	}
	// Without a profile (a real tenant), the simulator is off and the
	// extractor still starts: its dependency on it is optional.
	plain := loadCompose(t)
	for _, opt := range []string{"ukgpro-sim", "relay"} {
		if _, ok := plain.Services[opt]; ok {
			t.Errorf("%s runs without its profile", opt)
		}
	}
	if _, ok := plain.Services["extractor"]; !ok {
		t.Error("the extractor does not run without a profile")
	}
}

func TestComposeEnvironmentMatchesThePrograms(t *testing.T) {
	p := loadComposeEnv(t, userEnv, "*")
	progs := composePrograms(t, p)
	for svc, bin := range progs {
		s := p.Services[svc]
		checkEnv(t, "compose service "+svc, bin, env(s))
		if s.User != "" && !strings.HasPrefix(s.User, "65532") {
			t.Errorf("compose service %s runs as %q: the images' non-root user is 65532", svc, s.User)
		}
	}
	run := map[string]bool{}
	for _, bin := range progs {
		run[bin] = true
	}
	for _, want := range []string{"extractor", "loader", "ukgpro-relay", "ukgpro-sim"} {
		if !run[want] {
			t.Errorf("no compose service runs %s", want)
		}
	}
}

// TestComposeWiring: the pieces reach each other — Kafka from the host and
// the containers, the loader's bucket exists before it starts and needs no
// host directory, every program is probed and scraped on its OPS_ADDR, and
// Grafana gets the dashboard.
func TestComposeWiring(t *testing.T) {
	p := loadCompose(t, "*")
	progs := composePrograms(t, p)

	kafkaEnv := env(p.Services["kafka"])
	advertised := map[string]string{} // listener name -> host:port
	for _, l := range strings.Split(kafkaEnv["KAFKA_ADVERTISED_LISTENERS"], ",") {
		name, addr, _ := strings.Cut(l, "://")
		advertised[name] = addr
	}
	hostListener := false
	for name, addr := range advertised {
		host, port, _ := net.SplitHostPort(addr)
		if host != "localhost" && host != "127.0.0.1" {
			continue
		}
		for _, pc := range p.Services["kafka"].Ports {
			if pc.Published == port {
				hostListener = true
			}
		}
		if !hostListener {
			t.Errorf("Kafka advertises %s on %s but publishes no such host port", name, addr)
		}
	}
	if !hostListener {
		t.Error("Kafka advertises no listener for clients on the Docker host")
	}

	prom := prometheusConfig(t, p)
	for svc, bin := range progs {
		e := env(p.Services[svc])
		if brokers, ok := e["KAFKA_BROKERS"]; ok && !slices.Contains(slices.Collect(maps.Values(advertised)), brokers) {
			t.Errorf("%s: KAFKA_BROKERS=%s is not a listener Kafka advertises (%v)", svc, brokers, advertised)
		}
		port := opsPort(t, svc, bin, e)
		if port == "" {
			continue
		}
		hc := p.Services[svc].HealthCheck
		if hc == nil || len(hc.Test) < 3 || hc.Test[1] != "/usr/local/bin/probe" {
			t.Errorf("%s has no healthcheck running /usr/local/bin/probe", svc)
		} else if u, err := url.Parse(hc.Test[2]); err != nil || u.Port() != port {
			t.Errorf("%s's healthcheck probes %s, not its ops port %s", svc, hc.Test[2], port)
		}
		if bin == "ukgpro-sim" {
			continue // serves no metrics
		}
		if !prom.scrapes(svc, port) {
			t.Errorf("deploy/compose/prometheus.yml does not scrape %s on port %s", svc, port)
		}
	}

	loader := p.Services["loader"]
	for _, v := range loader.Volumes {
		if v.Type == types.VolumeTypeBind {
			t.Errorf("the loader bind-mounts %s: Docker creates it as root, and the loader runs as 65532", v.Source)
		}
	}
	out := env(loader)["LOADER_OUTPUT"]
	bucket := env(p.Services["minio-init"])["BUCKET"]
	if !strings.HasPrefix(out, "s3://"+bucket+"/") || bucket == "" {
		t.Errorf("LOADER_OUTPUT=%s is not in the bucket minio-init creates (%q)", out, bucket)
	}
	if dep, ok := loader.DependsOn["minio-init"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Error("the loader does not wait for minio-init to create the bucket")
	}
	if host, _, _ := net.SplitHostPort(env(loader)["S3_ENDPOINT"]); host != "minio" {
		t.Errorf("the loader's S3_ENDPOINT=%s is not the minio service", env(loader)["S3_ENDPOINT"])
	}

	mounts := func(svc, target string) string {
		for _, v := range p.Services[svc].Volumes {
			if v.Target == target {
				return v.Source
			}
		}
		t.Errorf("%s mounts nothing at %s", svc, target)
		return ""
	}
	if src := mounts("grafana", "/var/lib/grafana/dashboards"); src != "" {
		if _, err := os.Stat(filepath.Join(src, "ukgpro-stream.json")); err != nil {
			t.Errorf("Grafana's dashboards directory %s lacks ukgpro-stream.json", src)
		}
	}
	if src := mounts("grafana", "/etc/grafana/provisioning"); src != "" {
		for _, f := range []string{"datasources/prometheus.yml", "dashboards/ukgpro-stream.yml"} {
			if _, err := os.Stat(filepath.Join(src, f)); err != nil {
				t.Errorf("Grafana provisioning lacks %s", f)
			}
		}
	}
	if src := mounts("prometheus", "/etc/prometheus/prometheus.yml"); src != "" && filepath.Base(src) != "prometheus.yml" {
		t.Errorf("Prometheus reads %s", src)
	}
}

// opsPort is the port of a program's ops server in a deployment: OPS_ADDR
// as set, or the program's default (--help); "" when the program has none
// (the simulator listens on SIM_ADDR).
func opsPort(t *testing.T, where, bin string, e map[string]string) string {
	t.Helper()
	name := "OPS_ADDR"
	if bin == "ukgpro-sim" {
		name = "SIM_ADDR"
	}
	addr, ok := e[name]
	if !ok {
		addr = programVars(t, bin)[name].Default
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s: %s=%q is not host:port", where, name, addr)
	}
	return port
}

type promConfig struct {
	Global struct {
		ScrapeInterval     string `json:"scrape_interval"`
		EvaluationInterval string `json:"evaluation_interval"`
	} `json:"global"`
	ScrapeConfigs []struct {
		JobName       string `json:"job_name"`
		MetricsPath   string `json:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `json:"names"`
			Type  string   `json:"type"`
			Port  int      `json:"port"`
		} `json:"dns_sd_configs"`
	} `json:"scrape_configs"`
}

func (c *promConfig) scrapes(host, port string) bool {
	for _, sc := range c.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			if slices.Contains(st.Targets, net.JoinHostPort(host, port)) {
				return true
			}
		}
		for _, d := range sc.DNSSDConfigs {
			if slices.Contains(d.Names, host) && d.Type == "A" && port == strconv.Itoa(d.Port) {
				return true
			}
		}
	}
	return false
}

func prometheusConfig(t *testing.T, p *types.Project) *promConfig {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "deploy/compose/prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c promConfig
	if err := yaml.UnmarshalStrict(raw, &c); err != nil {
		t.Fatalf("deploy/compose/prometheus.yml: %v", err)
	}
	for _, sc := range c.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, _, _ := net.SplitHostPort(target)
				if _, ok := p.Services[host]; !ok && host != "localhost" {
					t.Errorf("prometheus.yml job %s scrapes %s, which is no compose service", sc.JobName, target)
				}
			}
		}
	}
	return &c
}
