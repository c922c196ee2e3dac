package ops

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

// LogConfig selects the log format and level (LOG_FORMAT, LOG_LEVEL).
type LogConfig struct {
	Format string `env:"LOG_FORMAT, default=auto" desc:"auto (text on a terminal, JSON otherwise), json or text"`
	Level  string `env:"LOG_LEVEL, default=info" desc:"debug, info, warn or error"`
}

// Validate names the variable of a bad setting.
func (c *LogConfig) Validate() error {
	switch c.Format {
	case "auto", "json", "text":
	default:
		return fmt.Errorf("LOG_FORMAT: %q is not auto, json or text", c.Format)
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Level)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %q is not debug, info, warn or error", c.Level)
	}
	return nil
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// NewLogger builds the program's logger on w (stderr): JSON unless w is a
// terminal or text is asked for. Attributes whose key names a secret are
// replaced by REDACTED, a second fence behind envconf.Secret.
func NewLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}
	text := c.Format == "text"
	if c.Format == "auto" {
		if f, ok := w.(*os.File); ok && IsTerminal(f) {
			text = true
		}
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

var secretKeys = []string{"password", "passwd", "secret", "api_key", "apikey", "token", "authorization", "hmac", "ssn"}

func redactAttr(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "REDACTED")
		}
	}
	return a
}
