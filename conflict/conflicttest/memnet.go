package conflicttest

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// memListener is a net.Listener whose connections are in-memory pipes
// (net.Pipe), dialled by the HTTP client it makes. Nothing touches a
// socket, so a server and its clients can run inside a testing/synctest
// bubble, where a goroutine blocked on a real socket would stop virtual
// time.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

// dial hands the server one end of a new pipe and returns the other.
func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// transport returns an HTTP transport that dials the listener.
func (l *memListener) transport() *http.Transport {
	return &http.Transport{DialContext: l.dial, MaxIdleConnsPerHost: 64}
}

type memAddr struct{}

func (memAddr) Network() string { return "pipe" }
func (memAddr) String() string  { return "in-memory" }
