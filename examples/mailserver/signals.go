package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext returns a context that ends on SIGINT or SIGTERM, and
// reloads s's users and aliases on SIGHUP.
func signalContext(s *server) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ctx.Done():
				signal.Stop(hup)
				return
			case <-hup:
				if err := s.reload(); err != nil {
					s.log.Error("reload failed; keeping the current users and aliases", "err", err)
				}
			}
		}
	}()
	return ctx, stop
}
