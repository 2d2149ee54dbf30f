// Command loadgen measures the ceiling of an S3 endpoint for a set of files:
// one plain SigV4-signed PUT per file (UNSIGNED-PAYLOAD, no checksums, no
// retries), N requests in flight, over keep-alive connections. With
// -part-size, files larger than that go as multipart uploads whose parts
// are requests like any other, so that large files are measured in the same
// request shape as a multipart uploader's. Standard library only, so that
// the generator costs the machine as little as possible and the server is
// what is measured.
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
	"regexp"
	"strconv"
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

// A request to send: a whole file, or one part of a multipart upload.
type job struct {
	path, key      string
	offset, length int64
	upload         *multipart // nil for a whole file
	partNumber     int
}

type multipart struct {
	key, id string
	etags   []string
}

type signer struct {
	base                   *url.URL
	bucket, region, access string
	secret                 string
}

func main() {
	endpoint := flag.String("endpoint", "", "S3 endpoint, e.g. http://127.0.0.1:9000")
	bucket := flag.String("bucket", "", "bucket")
	prefix := flag.String("prefix", "", "key prefix, ending in /")
	dir := flag.String("dir", "", "directory to upload")
	concurrency := flag.Int("concurrency", 64, "requests in flight")
	partSize := flag.Int64("part-size", 0, "files larger than this many bytes go as multipart uploads in parts of this size (0: never)")
	region := flag.String("region", "us-east-1", "signing region")
	flag.Parse()
	access, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if *endpoint == "" || *bucket == "" || *dir == "" || access == "" || secret == "" {
		fmt.Fprintln(os.Stderr, "usage: AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... loadgen -endpoint URL -bucket B -dir D [-prefix P] [-concurrency N] [-part-size BYTES]")
		os.Exit(2)
	}
	base, err := url.Parse(*endpoint)
	if err != nil {
		fail(err)
	}
	s := &signer{base: base, bucket: *bucket, region: *region, access: access, secret: secret}

	type file struct {
		path string
		size int64
	}
	var files []file
	err = filepath.WalkDir(*dir, func(path string, entry fs.DirEntry, err error) error {
		if err == nil && entry.Type().IsRegular() {
			info, statErr := entry.Info()
			if statErr != nil {
				return statErr
			}
			files = append(files, file{path, info.Size()})
		}
		return err
	})
	if err != nil {
		fail(err)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *concurrency, MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency}}
	started := time.Now()
	// Large files first, as a multipart uploader schedules them; their uploads are created here.
	var jobs []job
	var uploads []*multipart
	for _, f := range files {
		rel, _ := filepath.Rel(*dir, f.path)
		key := *prefix + filepath.ToSlash(rel)
		if *partSize <= 0 || f.size <= *partSize {
			continue
		}
		id, err := s.createMultipart(client, key)
		if err != nil {
			fail(fmt.Errorf("create multipart upload %s: %w", key, err))
		}
		parts := int((f.size + *partSize - 1) / *partSize)
		upload := &multipart{key: key, id: id, etags: make([]string, parts)}
		uploads = append(uploads, upload)
		for n := 0; n < parts; n++ {
			offset := int64(n) * *partSize
			jobs = append(jobs, job{path: f.path, key: key, offset: offset, length: min(*partSize, f.size-offset), upload: upload, partNumber: n + 1})
		}
	}
	for _, f := range files {
		if *partSize <= 0 || f.size <= *partSize {
			rel, _ := filepath.Rel(*dir, f.path)
			jobs = append(jobs, job{path: f.path, key: *prefix + filepath.ToSlash(rel), length: f.size})
		}
	}

	var next, failed, total atomic.Int64
	var wg sync.WaitGroup
	for lane := 0; lane < *concurrency; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				etag, err := s.put(client, j)
				if err != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "PUT %s (part %d): %v\n", j.key, j.partNumber, err)
					continue
				}
				if j.upload != nil {
					j.upload.etags[j.partNumber-1] = etag
				}
				total.Add(j.length)
			}
		}()
	}
	wg.Wait()
	for _, upload := range uploads {
		if err := s.completeMultipart(client, upload); err != nil {
			failed.Add(1)
			fmt.Fprintf(os.Stderr, "complete %s: %v\n", upload.key, err)
		}
	}
	out := result{Objects: len(files), Bytes: total.Load(), Seconds: time.Since(started).Seconds(), Failed: failed.Load()}
	json.NewEncoder(os.Stdout).Encode(out)
	if out.Failed > 0 {
		os.Exit(1)
	}
}

// put sends a file, or a part of one, straight from the file: the body is an
// *os.File behind an io.LimitedReader, which Go's TCP connection sends with sendfile.
func (s *signer) put(client *http.Client, j job) (string, error) {
	file, err := os.Open(j.path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	if _, err := file.Seek(j.offset, io.SeekStart); err != nil {
		return "", err
	}
	query := ""
	if j.upload != nil {
		query = "partNumber=" + strconv.Itoa(j.partNumber) + "&uploadId=" + encode(j.upload.id)
	}
	response, body, err := s.do(client, http.MethodPut, j.key, query, &io.LimitedReader{R: file, N: j.length}, j.length)
	if err != nil {
		return "", err
	}
	if response.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", response.Status, body)
	}
	return response.Header.Get("ETag"), nil
}

var uploadID = regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`)

func (s *signer) createMultipart(client *http.Client, key string) (string, error) {
	response, body, err := s.do(client, http.MethodPost, key, "uploads=", nil, 0)
	if err != nil {
		return "", err
	}
	match := uploadID.FindSubmatch(body)
	if response.StatusCode != http.StatusOK || match == nil {
		return "", fmt.Errorf("%s: %s", response.Status, body)
	}
	return string(match[1]), nil
}

func (s *signer) completeMultipart(client *http.Client, upload *multipart) error {
	var xml strings.Builder
	xml.WriteString("<CompleteMultipartUpload>")
	for i, etag := range upload.etags {
		fmt.Fprintf(&xml, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, etag)
	}
	xml.WriteString("</CompleteMultipartUpload>")
	payload := xml.String()
	response, body, err := s.do(client, http.MethodPost, upload.key, "uploadId="+encode(upload.id), strings.NewReader(payload), int64(len(payload)))
	if err != nil {
		return err
	}
	if response.StatusCode != http.StatusOK || strings.Contains(string(body), "<Error>") {
		return fmt.Errorf("%s: %s", response.Status, body)
	}
	return nil
}

// do sends one signed request (path-style, UNSIGNED-PAYLOAD) and reads the whole answer.
func (s *signer) do(client *http.Client, method, key, query string, body io.Reader, length int64) (*http.Response, []byte, error) {
	target := *s.base
	target.Path = "/" + s.bucket + "/" + key
	target.RawQuery = query
	request, err := http.NewRequest(method, target.String(), body)
	if err != nil {
		return nil, nil, err
	}
	request.ContentLength = length
	s.sign(request, query)
	response, err := client.Do(request)
	if err != nil {
		return nil, nil, err
	}
	defer response.Body.Close()
	answer, err := io.ReadAll(response.Body)
	return response, answer, err
}

// sign adds an AWS Signature Version 4 Authorization header for S3 with an unsigned payload.
// `query` is already canonical: names sorted, values encoded with encode.
func (s *signer) sign(request *http.Request, query string) {
	now := time.Now().UTC()
	stamp, day := now.Format("20060102T150405Z"), now.Format("20060102")
	request.Header.Set("x-amz-date", stamp)
	request.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	signed := "host;x-amz-content-sha256;x-amz-date"
	canonical := strings.Join([]string{
		request.Method,
		request.URL.EscapedPath(),
		query,
		"host:" + request.URL.Host + "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + stamp + "\n",
		signed,
		"UNSIGNED-PAYLOAD",
	}, "\n")
	scope := day + "/" + s.region + "/s3/aws4_request"
	digest := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(digest[:])
	key := hmacSHA256([]byte("AWS4"+s.secret), day)
	key = hmacSHA256(key, s.region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	request.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.access+"/"+scope+", SignedHeaders="+signed+", Signature="+signature)
}

// encode is RFC 3986 percent-encoding, as SigV4 wants query values.
func encode(value string) string {
	return strings.ReplaceAll(url.QueryEscape(value), "+", "%20")
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
