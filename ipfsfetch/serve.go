package ipfsfetch

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/exchange/offline"
	"github.com/ipfs/boxo/gateway"
	"github.com/prometheus/client_golang/prometheus"
)

// GatewayHandler returns boxo's gateway handler serving the store as a
// trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/):
// blocks as application/vnd.ipld.raw and DAGs as application/vnd.ipld.car
// under /ipfs/, nothing deserialized, no DNSLink or IPNS. It never writes to
// the store and never asks anyone else for a block; a block that is not
// stored gives 404. Metrics go to a private registry so that several
// handlers can live in one process.
func (s *Store) GatewayHandler() (http.Handler, error) {
	bsvc := blockservice.New(s, offline.Exchange(s))
	backend, err := gateway.NewBlocksBackend(bsvc, gateway.WithPrometheusRegistry(prometheus.NewRegistry()))
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	h := gateway.NewHandler(gateway.Config{
		DeserializedResponses: false,
		NoDNSLink:             true,
		DisableHTMLErrors:     true,
		MetricsRegistry:       prometheus.NewRegistry(),
	}, backend)
	mux := http.NewServeMux()
	mux.Handle("/ipfs/", readOnly(h))
	return boundedRequests(mux), nil
}

// Limits of the gateway server. A trustless gateway request is one short
// line (/ipfs/CID?format=car plus a few headers); anything much longer is
// not one, and must not cost memory or be echoed back.
const (
	MaxRequestURI       = 2048             // bytes of path and query
	maxHeaderBytes      = 16 << 10         // request line and headers
	gatewayHeaderTime   = 10 * time.Second // to send the request line and headers
	gatewayIdleTime     = 60 * time.Second // a kept-alive connection with no request
	gatewayWriteTime    = 30 * time.Minute // one response (a CAR of a whole image is over 1 GB)
	gatewayShutdownTime = 5 * time.Second
)

// NewGatewayServer returns an http.Server for h with the limits above:
// idle clients cannot hold connections (and file descriptors) forever, a
// client that sends its headers slowly is dropped, and a response that
// cannot be delivered in time is abandoned.
func NewGatewayServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: gatewayHeaderTime,
		ReadTimeout:       gatewayHeaderTime, // GET and HEAD only: no body to wait for
		IdleTimeout:       gatewayIdleTime,
		WriteTimeout:      gatewayWriteTime,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// GatewayShutdownTime is how long a stopping server waits for requests in
// flight.
const GatewayShutdownTime = gatewayShutdownTime

// boundedRequests answers an over-long request URI with a short 414 that
// does not repeat it.
func boundedRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > MaxRequestURI {
			http.Error(w, fmt.Sprintf("request URI over %d bytes", MaxRequestURI), http.StatusRequestURITooLong)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// readOnly refuses every method that is not GET or HEAD.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only gateway", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
