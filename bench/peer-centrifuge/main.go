// The Centrifuge peer for hoidap's fan-out benchmark: the same workload as
// bench/peer-node/server.js on the Centrifuge Go library (v0.15, from
// Debian's packages), through Centrifuge's own client protocol.
//
// Clients send Centrifuge's connect command; the connecting handler accepts
// every client anonymously and subscribes it server-side to the one channel
// "hall", so no subscribe command is needed. Votes arrive as RPC commands
// whose data is hoidap's vote request; they are counted in memory and
// acknowledged at once with `{"type":"ack","id","seq"}` as the RPC result.
// Every 100 ms, if anything changed, one delta of the changed counts (the
// same JSON shape and size as the Node peer's) is published to "hall" with
// node.Publish, and Centrifuge fans it out: it wraps the delta once in its
// publication push and queues the same bytes to every subscriber's writer.
//
// Nothing that the other peers do not do is turned on: no history or
// recovery, no presence, no join/leave messages, no compression, no
// connection expiry. The library's own defaults stay as they are (a 4 KiB
// read and write buffer per connection, a ping every 25 s, Prometheus
// counters, up to 4 queued messages joined into one frame).
//
// Usage: centrifuge-peer 127.0.0.1:PORT (WebSocket at /ws; "/" answers ok)
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
)

// The channel every client is subscribed to.
const channel = "hall"

// hoidap's vote request, the RPC command's data:
// {"type":"request","id":"v1","action":{"type":"vote","question":3,"up":true}}.
type request struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Action struct {
		Type     string `json:"type"`
		Question uint64 `json:"question"`
		Up       bool   `json:"up"`
	} `json:"action"`
}

// The acknowledgement, the RPC reply's data.
type ack struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Seq  uint64 `json:"seq"`
}

// The delta, field for field the Node peer's (and hoidap's) shape.
type voteCount struct {
	ID    uint64 `json:"id"`
	Votes uint64 `json:"votes"`
}

type change struct {
	Type   string      `json:"type"`
	Counts []voteCount `json:"counts"`
}

type delta struct {
	Type    string   `json:"type"`
	Epoch   string   `json:"epoch"`
	Prev    uint64   `json:"prev"`
	Seq     uint64   `json:"seq"`
	Changes []change `json:"changes"`
}

// The counts, shared by every connection's reader goroutine (votes) and
// the ticker (deltas).
type counts struct {
	mu      sync.Mutex
	votes   map[uint64]uint64
	changed map[uint64]struct{}
	seq     uint64
}

// vote applies one vote and returns its position.
func (c *counts) vote(question uint64, up bool) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.votes[question]
	if up {
		v++
	} else if v > 0 {
		v--
	}
	c.votes[question] = v
	c.changed[question] = struct{}{}
	c.seq++
	return c.seq
}

// take returns the changed counts (by question id) and the current
// position, and forgets the changes; nil when nothing changed.
func (c *counts) take() ([]voteCount, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.changed) == 0 {
		return nil, c.seq
	}
	out := make([]voteCount, 0, len(c.changed))
	for id := range c.changed {
		out = append(out, voteCount{ID: id, Votes: c.votes[id]})
	}
	c.changed = make(map[uint64]struct{})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, c.seq
}

func main() {
	// The benchmark pins every server under test to one core (taskset -c 0),
	// as the others run on one core: one P for the Go scheduler too.
	runtime.GOMAXPROCS(1)

	addr := "127.0.0.1:9003"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}

	// DefaultConfig: no logging, a 10 MB queue per client before it is
	// dropped as slow.
	node, err := centrifuge.New(centrifuge.DefaultConfig)
	if err != nil {
		log.Fatal(err)
	}

	c := &counts{votes: make(map[uint64]uint64), changed: make(map[uint64]struct{})}

	// Anyone may connect (an anonymous user, as a phone in the hall), and is
	// subscribed on the server side to the channel, with no presence,
	// join/leave, position or recovery.
	node.OnConnecting(func(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{
			Credentials:   &centrifuge.Credentials{UserID: ""},
			Subscriptions: map[string]centrifuge.SubscribeOptions{channel: {}},
		}, nil
	})

	node.OnConnect(func(client *centrifuge.Client) {
		// Called on the connection's reader goroutine, in order.
		client.OnRPC(func(e centrifuge.RPCEvent, cb centrifuge.RPCCallback) {
			var req request
			if err := json.Unmarshal(e.Data, &req); err != nil || req.Type != "request" || req.Action.Type != "vote" {
				cb(centrifuge.RPCReply{}, centrifuge.ErrorBadRequest)
				return
			}
			seq := c.vote(req.Action.Question, req.Action.Up)
			data, _ := json.Marshal(ack{Type: "ack", ID: req.ID, Seq: seq})
			cb(centrifuge.RPCReply{Data: data}, nil)
		})
	})

	if err := node.Run(); err != nil {
		log.Fatal(err)
	}

	// Every 100 ms, one delta of what changed, serialised once and
	// published to the channel; Centrifuge's in-memory broker hands it to
	// the hub, which queues the same encoded push to every subscriber.
	go func() {
		var prev uint64
		for range time.Tick(100 * time.Millisecond) {
			changed, seq := c.take()
			if changed == nil {
				continue
			}
			data, _ := json.Marshal(delta{
				Type:    "delta",
				Epoch:   "0123456789abcdef",
				Prev:    prev,
				Seq:     seq,
				Changes: []change{{Type: "votes", Counts: changed}},
			})
			prev = seq
			if _, err := node.Publish(channel, data); err != nil {
				log.Printf("publish: %v", err)
			}
		}
	}()

	mux := http.NewServeMux()
	mux.Handle("/ws", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		// As the Node peer's maxPayload.
		MessageSizeLimit: 16 * 1024,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	log.Fatal(http.ListenAndServe(addr, mux))
}
