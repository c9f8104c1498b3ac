package ipfsfetch

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startGateway serves s with NewGatewayServer on 127.0.0.1, after adjust
// has had its say on the server's settings.
func startGateway(t *testing.T, s *Store, adjust func(*http.Server)) string {
	t.Helper()
	h, err := s.GatewayHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := NewGatewayServer(h)
	if adjust != nil {
		adjust(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestGatewayLongRequest: a 100 KB request path gets a short error that does
// not echo it (before, boxo's error repeated the whole path).
func TestGatewayLongRequest(t *testing.T) {
	addr := startGateway(t, tmpStore(t), nil)
	for _, n := range []int{3000, 100_000} {
		path := "/ipfs/" + strings.Repeat("a", n)
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || len(body) > 200 || strings.Contains(string(body), "aaaaaaaaaa") {
			t.Errorf("%d-byte path: %s, %d-byte body %.80q; want a short error without the path", n, resp.Status, len(body), body)
		}
	}
}

// TestGatewayDropsIdleClients: a client that connects and sends nothing,
// or sends half a request, is disconnected after the header timeout, and a
// kept-alive connection after the idle timeout.
func TestGatewayDropsIdleClients(t *testing.T) {
	addr := startGateway(t, tmpStore(t), func(s *http.Server) {
		s.ReadHeaderTimeout = 200 * time.Millisecond
		s.ReadTimeout = 200 * time.Millisecond
		s.IdleTimeout = 300 * time.Millisecond
	})
	closed := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.ReadAll(c)
		return err == nil // EOF: the server closed it
	}
	for _, send := range []string{"", "GET /ipfs/"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, send)
		if !closed(c) {
			t.Errorf("a client that sent %q was not disconnected", send)
		}
		c.Close()
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ipfs/bafkqaaa HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	start := time.Now()
	if !closed(c) {
		t.Error("an idle kept-alive connection was not closed")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("idle connection closed after %v", d)
	}
}

// TestGatewayServerLimits: the limits the command relies on are set.
func TestGatewayServerLimits(t *testing.T) {
	s := NewGatewayServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout == 0 || s.IdleTimeout == 0 || s.WriteTimeout == 0 || s.ReadTimeout == 0 || s.MaxHeaderBytes == 0 {
		t.Errorf("gateway server without a limit: %+v", s)
	}
}
