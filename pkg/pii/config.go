package pii

import (
	"fmt"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// MinKeyLen is the shortest PII_HMAC_KEY accepted, in bytes.
const MinKeyLen = 16

// Config is the PII policy's configuration.
type Config struct {
	HMACKey    envconf.Secret `env:"PII_HMAC_KEY" desc:"secret key of the HMAC-SHA256 that hashes identifiers (at least 16 bytes; required when the policy hashes, which the default does)"`
	PolicyFile string         `env:"PII_POLICY_FILE" desc:"JSON file overriding the PII action per class and per field (see docs/pii.md); empty = defaults"`
}

// Validate loads the policy file (if any) and checks that PII_HMAC_KEY is
// set whenever the policy hashes. Messages name the variable and never the
// key.
func (c Config) Validate() error {
	r, err := c.rules()
	if err != nil {
		return err
	}
	return checkKey([]byte(c.HMACKey.Reveal()), r)
}

func (c Config) rules() (Rules, error) {
	if c.PolicyFile == "" {
		return Rules{}, nil
	}
	return LoadRules(c.PolicyFile)
}

func checkKey(key []byte, r Rules) error {
	if len(key) == 0 {
		if use := r.hashUser(); use != "" {
			return fmt.Errorf("PII_HMAC_KEY is required: the PII policy hashes %s (set a secret of at least %d bytes, or change the policy)", use, MinKeyLen)
		}
		return nil
	}
	if len(key) < MinKeyLen {
		return fmt.Errorf("PII_HMAC_KEY: too short, want at least %d bytes (32 random bytes recommended)", MinKeyLen)
	}
	return nil
}

// ClassesOf converts per-topic field classes of another string type (the
// schemas' schema.Registry.PIIClasses) into the policy's input.
func ClassesOf[C ~string](topics map[string]map[string]C) map[string]map[string]Class {
	out := make(map[string]map[string]Class, len(topics))
	for topic, fields := range topics {
		m := make(map[string]Class, len(fields))
		for f, c := range fields {
			m[f] = Class(c)
		}
		out[topic] = m
	}
	return out
}

// New builds the policy from cfg and the schemas' field classes: topic
// (short name, e.g. "people") → JSON field name → class.
func New(cfg Config, classes map[string]map[string]Class) (*Policy, error) {
	r, err := cfg.rules()
	if err != nil {
		return nil, err
	}
	return NewPolicy([]byte(cfg.HMACKey.Reveal()), classes, r)
}
