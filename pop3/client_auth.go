package pop3

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
)

// Capabilities are a server's CAPA response (RFC 2449 §5): capability
// names, upper case, mapped to their arguments.
type Capabilities map[string][]string

// Has reports whether the server announced name (any case).
func (c Capabilities) Has(name string) bool {
	_, ok := c[strings.ToUpper(name)]
	return ok
}

// SASL returns the SASL mechanisms announced (RFC 5034 §6).
func (c Capabilities) SASL() []string { return c["SASL"] }

// parseCapabilities parses CAPA lines: a name and arguments separated by
// spaces (RFC 2449 §5).
func parseCapabilities(lines []string) Capabilities {
	caps := Capabilities{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		caps[strings.ToUpper(f[0])] = f[1:]
	}
	return caps
}

// Capabilities sends CAPA (RFC 2449 §5) and returns the answer, which the
// client also keeps to decide on pipelining. Capabilities change with the
// state: call it again after logging in or STLS (RFC 2595 §4).
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	err := c.do(ctx, func() error {
		if err := c.send("CAPA"); err != nil {
			return err
		}
		if _, err := c.readResponse(); err != nil {
			return err
		}
		lines, err := c.readLines()
		if err != nil {
			return err
		}
		c.caps = parseCapabilities(lines)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.caps, nil
}

// StartTLS sends STLS and runs a TLS handshake (RFC 2595 §4). cfg nil
// means ClientOptions.TLSConfig, or a config for the dialled host. The
// capabilities learnt before are forgotten.
func (c *Client) StartTLS(ctx context.Context, cfg *tls.Config) error {
	if c.isTLS {
		return errors.New("pop3: TLS already active")
	}
	if cfg == nil {
		cfg = tlsConfigFor(&c.opts, c.host)
	}
	return c.do(ctx, func() error {
		if err := c.send("STLS"); err != nil {
			return err
		}
		if _, err := c.readResponse(); err != nil {
			return err
		}
		if c.lr.Buffered() > 0 {
			// Sent before the handshake, in plaintext: possibly injected.
			return fmt.Errorf("%w: data after STLS response", ErrMalformedResponse)
		}
		tc := tls.Client(c.nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("pop3: TLS handshake: %w", err)
		}
		c.nc, c.isTLS, c.caps = tc, true, nil
		c.setStream()
		return nil
	})
}

// pipelining reports whether the server announced PIPELINING (RFC 2449
// §6.6) in the last CAPA.
func (c *Client) pipelining() bool { return c.caps.Has("PIPELINING") }

// Login authenticates with USER and PASS (RFC 1939 §7), sent together if
// the server pipelines.
func (c *Client) Login(ctx context.Context, username, password string) error {
	if strings.ContainsAny(username+password, "\r\n") {
		return errors.New("pop3: CR or LF in user name or password")
	}
	return c.do(ctx, func() error {
		user, pass := "USER "+username, "PASS "+password
		if c.pipelining() {
			if err := c.send(user, pass); err != nil {
				return err
			}
			_, uerr := c.readResponse()
			if _, err := c.readResponse(); uerr != nil || err != nil {
				return errors.Join(uerr, err)
			}
			return nil
		}
		if err := c.send(user); err != nil {
			return err
		}
		if _, err := c.readResponse(); err != nil {
			return err
		}
		if err := c.send(pass); err != nil {
			return err
		}
		_, err := c.readResponse()
		return err
	})
}

// APOP authenticates with APOP (RFC 1939 §7), using the timestamp of the
// server's greeting and the shared secret.
func (c *Client) APOP(ctx context.Context, username, secret string) error {
	if c.timestamp == "" {
		return errors.New("pop3: the server's greeting offers no APOP timestamp")
	}
	if strings.ContainsAny(username, " \r\n") {
		return errors.New("pop3: invalid user name for APOP")
	}
	sum := md5.Sum([]byte(c.timestamp + secret))
	_, err := c.cmd(ctx, "APOP "+username+" "+hex.EncodeToString(sum[:]))
	return err
}

// Authenticate runs the SASL exchange of a (RFC 5034), sending the
// initial response with the AUTH command ("=" when empty).
func (c *Client) Authenticate(ctx context.Context, a sasl.Client) error {
	mech, ir, err := a.Start()
	if err != nil {
		return fmt.Errorf("pop3: SASL: %w", err)
	}
	return c.do(ctx, func() error {
		line := "AUTH " + mech
		if ir != nil {
			line += " " + encodeSASL(ir)
		}
		if err := c.send(line); err != nil {
			return err
		}
		for {
			raw, err := c.readLine()
			if err != nil {
				return err
			}
			chal, isChal, err := parseChallenge(raw)
			if err != nil {
				return err
			}
			if !isChal {
				c.trace("S: " + string(raw))
				r, err := parseResponse(raw)
				if err == nil && !r.ok {
					err = r.err()
				}
				return err
			}
			c.trace("S: " + string(raw))
			resp, err := a.Next(chal)
			if err != nil {
				// RFC 5034 §4: "*" cancels; the server answers -ERR.
				c.send("*")
				c.readResponse()
				return fmt.Errorf("pop3: SASL: %w", err)
			}
			c.trace("C: <redacted>")
			c.bw.WriteString(base64.StdEncoding.EncodeToString(resp) + "\r\n")
			if err := c.bw.Flush(); err != nil {
				return fmt.Errorf("pop3: %w", err)
			}
		}
	})
}

func encodeSASL(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}

// parseChallenge recognises a SASL continuation line "+ base64" (RFC 5034
// §4; some servers send "+" alone for an empty challenge).
func parseChallenge(line []byte) (chal []byte, ok bool, err error) {
	if len(line) == 0 || line[0] != '+' || hasPrefixFold(line, "+OK") {
		return nil, false, nil
	}
	s := strings.TrimPrefix(string(line[1:]), " ")
	chal, err = base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false, fmt.Errorf("%w: bad SASL challenge: %w", ErrMalformedResponse, err)
	}
	return chal, true, nil
}
