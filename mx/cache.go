package mx

import (
	"container/list"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cacheKey names one cached answer.
type cacheKey struct {
	name  string // fully qualified, lower case
	qtype uint16
}

// cache holds answers until their TTL runs out, at most Resolver.CacheSize
// of them, evicting the least recently used. Its zero value is ready.
type cache struct {
	mu      sync.Mutex
	entries map[cacheKey]*list.Element
	lru     list.List // of *cacheEntry, most recently used first
}

type cacheEntry struct {
	key     cacheKey
	a       *answer
	expires time.Time
}

// get returns the answer for key if it has not expired at now.
func (c *cache) get(key cacheKey, now time.Time) *answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.lru.Remove(el)
		delete(c.entries, key)
		return nil
	}
	c.lru.MoveToFront(el)
	return e.a
}

// put stores a for ttl from now, unless ttl is zero or the cache is off.
func (c *cache) put(r *Resolver, key cacheKey, a *answer, ttl time.Duration, now time.Time) {
	size := r.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size < 0 || ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[cacheKey]*list.Element)
	}
	e := &cacheEntry{key: key, a: a, expires: now.Add(ttl)}
	if el, ok := c.entries[key]; ok {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	for c.lru.Len() >= size {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
	c.entries[key] = c.lru.PushFront(e)
}

// len returns how many answers are cached.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// ttlOf returns how long msg may be cached: the smallest TTL in its answer
// section (RFC 2181 §5.2: an RRset's TTLs are one), or for a negative
// answer the smaller of its SOA's TTL and MINIMUM (RFC 2308 §5), capped
// at limit. A negative answer without SOA or CNAME is not cached (RFC 2308
// §5).
func ttlOf(msg *dns.Msg, limit time.Duration) time.Duration {
	var ttl uint32
	found := false
	lower := func(t uint32) {
		if !found || t < ttl {
			ttl, found = t, true
		}
	}
	for _, rr := range msg.Answer {
		lower(rr.Header().Ttl)
	}
	negative := msg.Rcode == dns.RcodeNameError || !hasData(msg)
	if negative {
		soa := false
		for _, rr := range msg.Ns {
			if s, ok := rr.(*dns.SOA); ok {
				lower(min(s.Hdr.Ttl, s.Minttl))
				soa = true
			}
		}
		if !soa && len(msg.Answer) == 0 {
			return 0
		}
	}
	// RFC 2181 §8: a TTL with the top bit set counts as zero.
	if !found || ttl > 1<<31-1 {
		return 0
	}
	return min(time.Duration(ttl)*time.Second, limit)
}

// hasData reports whether msg's answer section holds records of the type
// asked for (as opposed to only the CNAMEs leading to it).
func hasData(msg *dns.Msg) bool {
	if len(msg.Question) == 0 {
		return false
	}
	for _, rr := range msg.Answer {
		if rr.Header().Rrtype == msg.Question[0].Qtype {
			return true
		}
	}
	return false
}
