package ipfsfetch

import (
	"fmt"
	"net/http"

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
	return mux, nil
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
