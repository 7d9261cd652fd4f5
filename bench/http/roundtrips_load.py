# bench/http/roundtrips_load.py: the client of bench/http/roundtrips.sh: 16 threads send N orders or
# N OsmAnd positions (usage: PORT KEY orders|positions N [DEVICE...]).
import json, sys, threading, time, urllib.request
port, key, kind, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
devs = sys.argv[5:]
lock = threading.Lock(); left = [n]
t0 = int(time.time() * 1000) - 3600000
def call(path, body=None, hdr={}):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body, method="POST" if body else "GET")
    req.add_header("Authorization", "Bearer " + key)
    for k, v in hdr.items(): req.add_header(k, v)
    urllib.request.urlopen(req, timeout=30).read()
def w(tid):
    while True:
        with lock:
            if left[0] == 0: return
            left[0] -= 1; i = left[0]
        if kind == "orders":
            b = json.dumps({"external_ref": "R%s" % i, "channel": "web", "customer": {"name": "C", "address": "1 rue", "location": [4.83, 45.74]}, "lines": [{"sku": "tea", "qty": 1}]}).encode()
            call("/v1/orders", b, {"Content-Type": "application/json", "Idempotency-Key": "k%d" % i})
        else:
            call("/v1/osmand?id=%s&lat=45.75&lon=4.85&timestamp=%d" % (devs[i % len(devs)], t0 + i))
ts = [threading.Thread(target=w, args=(k,)) for k in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
