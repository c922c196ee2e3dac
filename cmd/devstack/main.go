// Command devstack runs the development stack in one process: an embedded
// Kafka-protocol broker (kfake) and the UKG Pro simulator, on fixed loopback
// ports, and prints the environment the extractor and loader need. Leave it
// running in one terminal; in another, `eval "$(bin/devstack --print-env)"`
// (or copy the lines it printed) and run bin/extractor and bin/loader.
package main

import (
	"context"
	"errors"
	"fmt"

	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

type config struct {
	KafkaPort int    `env:"DEVSTACK_KAFKA_PORT, default=19092" flag:"kafka-port" desc:"loopback port of the embedded Kafka broker"`
	HMACKey   string `env:"DEVSTACK_PII_HMAC_KEY, default=devstack-demo-hmac-key" desc:"PII_HMAC_KEY printed for the extractor (a demo value, not a secret)"`
	Sim       ukgsim.Config
	Log       ops.LogConfig
	PrintEnv  bool `flag:"print-env" desc:"print the environment lines only (for eval) and keep running"`
}

func (c *config) Validate() error { return c.Log.Validate() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg config
	if err := envconf.Parse(ctx, "devstack", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "devstack: %v\n", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "devstack: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	log := ops.NewLogger(cfg.Log, os.Stderr)
	broker, err := devkafka.Start(devkafka.Config{Ports: []int{cfg.KafkaPort}})
	if err != nil {
		return err
	}
	defer broker.Close()
	sim, err := ukgsim.New(cfg.Sim, ukgsim.WithLogger(log))
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", cfg.Sim.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SIM_ADDR): %w", cfg.Sim.Addr, err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("simulator stopped", "err", err)
		}
	}()
	defer srv.Close()

	env := Env(broker.Addrs(), "http://"+ln.Addr().String(), cfg.Sim, cfg.HMACKey)
	if !cfg.PrintEnv {
		fmt.Println("# ukgpro-stream devstack: embedded Kafka + UKG Pro simulator. Ctrl-C stops both.")
		fmt.Printf("# tenant clock %s; advance it with: curl -X POST 'http://%s/_sim/advance?days=30'\n",
			sim.Now().Format(time.DateOnly), ln.Addr())
		fmt.Println("# export these in the shell where you run bin/extractor and bin/loader:")
	}
	for _, kv := range env {
		fmt.Println("export " + kv)
	}
	<-ctx.Done()
	return nil
}

// Env is the environment the extractor and loader need to use the stack.
// The simulator's credentials are demo values, printed on purpose.
func Env(brokers []string, simURL string, sc ukgsim.Config, hmacKey string) []string {
	user, pass, key := sc.Username, sc.Password.Reveal(), sc.APIKey.Reveal()
	if user == "" {
		user, pass, key = "svc-demo", "demo-password", "DEMO-KEY"
	}
	return []string{
		"KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"KAFKA_REPLICATION_FACTOR=1",
		"UKG_BASE_URL=" + simURL,
		"UKG_USERNAME=" + user,
		"UKG_PASSWORD=" + pass,
		"UKG_CUSTOMER_API_KEY=" + key,
		"PII_HMAC_KEY=" + hmacKey,
	}
}
