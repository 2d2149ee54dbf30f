// Command loadgen measures the ceiling of an S3 endpoint for a set of files:
// one plain SigV4-signed PUT per file (UNSIGNED-PAYLOAD, no checksums, no
// multipart, no retries), N at a time, over keep-alive connections.
// Standard library only, so that the generator costs the machine as little
// as possible and the server is what is measured.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Objects int     `json:"objects"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Failed  int64   `json:"failed"`
}

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint, e.g. http://127.0.0.1:9000")
	bucket := flag.String("bucket", "", "bucket")
	prefix := flag.String("prefix", "", "key prefix, ending in /")
	dir := flag.String("dir", "", "directory to upload")
	concurrency := flag.Int("concurrency", 64, "PUTs in flight")
	region := flag.String("region", "us-east-1", "signing region")
	flag.Parse()
	access, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if *endpoint == "" || *bucket == "" || *dir == "" || access == "" || secret == "" {
		fmt.Fprintln(os.Stderr, "usage: AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... loadgen -endpoint URL -bucket B -dir D [-prefix P] [-concurrency N]")
		os.Exit(2)
	}
	base, err := url.Parse(*endpoint)
	if err != nil {
		fail(err)
	}

	var files []string
	err = filepath.WalkDir(*dir, func(path string, entry fs.DirEntry, err error) error {
		if err == nil && entry.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		fail(err)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *concurrency, MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency}}
	var next, failed, total atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	for lane := 0; lane < *concurrency; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				rel, _ := filepath.Rel(*dir, files[i])
				key := *prefix + filepath.ToSlash(rel)
				n, err := put(client, base, *bucket, key, files[i], *region, access, secret)
				if err != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "PUT %s: %v\n", key, err)
					continue
				}
				total.Add(n)
			}
		}()
	}
	wg.Wait()
	out := result{Objects: len(files), Bytes: total.Load(), Seconds: time.Since(started).Seconds(), Failed: failed.Load()}
	json.NewEncoder(os.Stdout).Encode(out)
	if out.Failed > 0 {
		os.Exit(1)
	}
}

func put(client *http.Client, base *url.URL, bucket, key, path, region, access, secret string) (int64, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return 0, err
	}
	target := *base
	target.Path = "/" + bucket + "/" + key
	request, err := http.NewRequest(http.MethodPut, target.String(), file)
	if err != nil {
		return 0, err
	}
	request.ContentLength = info.Size()
	sign(request, region, access, secret)
	response, err := client.Do(request)
	if err != nil {
		return 0, err
	}
	defer response.Body.Close()
	body, _ := io.ReadAll(response.Body)
	if response.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", response.Status, body)
	}
	return info.Size(), nil
}

// sign adds an AWS Signature Version 4 Authorization header for S3 with an unsigned payload.
func sign(request *http.Request, region, access, secret string) {
	now := time.Now().UTC()
	stamp, day := now.Format("20060102T150405Z"), now.Format("20060102")
	request.Header.Set("x-amz-date", stamp)
	request.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	signed := "host;x-amz-content-sha256;x-amz-date"
	canonical := strings.Join([]string{
		request.Method,
		request.URL.EscapedPath(),
		"",
		"host:" + request.URL.Host + "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + stamp + "\n",
		signed,
		"UNSIGNED-PAYLOAD",
	}, "\n")
	scope := day + "/" + region + "/s3/aws4_request"
	digest := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(digest[:])
	key := hmacSHA256([]byte("AWS4"+secret), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	request.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+access+"/"+scope+", SignedHeaders="+signed+", Signature="+signature)
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
