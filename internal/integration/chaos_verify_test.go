package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// verify reads the server's state with a client without faults and
// checks it against the model: every worker's objects, versioning, bucket
// tag and life bucket, then the shared keys.
func (c *chaos) verify(t *testing.T, plain *s3.Client, workers []*worker) {
	ctx := context.Background()
	check := func(w *worker, what string, got state, err error, p possible) {
		switch {
		case err != nil:
			c.bad.add("g%d %s: final read: %v", w.g, what, err)
		case !slices.Contains(p, got):
			c.bad.add("g%d %s: the server holds %v, the model allows %v", w.g, what, got, p)
		}
	}
	for _, w := range workers {
		for i, p := range w.objs {
			k := fmt.Sprintf("k%d", i)
			got, err := readObject(ctx, plain, w.own, k)
			check(w, k, got, err, p)
		}
		var got state
		v, err := plain.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &w.own})
		if err == nil && v.Status != "" {
			got = state{present: true, body: string(v.Status)}
		}
		check(w, "versioning", got, err, w.vers)
		got = absent
		bt, err := plain.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &w.own})
		if err == nil {
			if tag := tagValue(bt.TagSet); tag != "" {
				got = state{present: true, body: tag}
			}
		} else if s3err.Code(err) == "NoSuchTagSet" {
			err = nil
		}
		check(w, "bucket tag", got, err, w.btag)
		got, err = readLife(ctx, plain, w.life)
		check(w, "life bucket", got, err, w.lifeState)
	}
	c.verifyShared(ctx, plain)
}

// readObject reads an object's state: body and tag, or absent.
func readObject(ctx context.Context, c *s3.Client, bucket, key string) (state, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if s3err.Code(err) == "NoSuchKey" {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return absent, err
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return absent, err
	}
	return state{present: true, body: string(b), tags: tagValue(tags.TagSet)}, nil
}

// readLife reads a life bucket's state: whether it exists, and x's body.
func readLife(ctx context.Context, c *s3.Client, bucket string) (state, error) {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if s3err.Status(err) == 404 {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	x, err := readObject(ctx, c, bucket, "x")
	return state{present: true, body: x.body}, err
}

// verifyShared checks the shared keys against the ledger, reading with a
// client without faults.
func (c *chaos) verifyShared(ctx context.Context, plain *s3.Client) {
	c.verifyTagging(ctx, plain)
	for _, k := range c.ledger.keys("r") {
		c.verifyRace(ctx, plain, k)
	}
	for _, k := range c.ledger.keys("u") {
		ids, err := readIDs(ctx, plain, c.race, k, "")
		if err != nil {
			c.bad.add("%s: final read: %v", k, err)
			continue
		}
		count := map[string]int{}
		for _, id := range ids {
			count[id]++
		}
		writes := c.ledger.of(k)
		c.landed(k, writes, count)
		for _, w := range writes {
			if w.version == "" {
				continue
			}
			ids, err := readIDs(ctx, plain, c.race, k, w.version)
			if err != nil || !slices.Contains(ids, w.id) {
				c.bad.add("%s: update %s was acknowledged as version %s, which does not hold it (%v)", k, w.id, w.version, err)
			}
		}
	}
	for _, k := range c.ledger.keys("c") {
		owner, err := retry.Owner(ctx, plain, c.upd, k)
		if err != nil && !errors.Is(err, retry.ErrNotClaimed) {
			c.bad.add("%s: final read: %v", k, err)
			continue
		}
		count := map[string]int{}
		if err == nil {
			count[owner] = 1
		}
		writes := c.ledger.of(k)
		c.landed(k, writes, count)
		for _, w := range writes {
			if w.owner != "" && w.owner != owner {
				c.bad.add("%s: claim %s was told %q had won, but the owner is %q", k, w.id, w.owner, owner)
			}
		}
	}
}

// verifyTagging checks the shared bucket's tag: written by a call, and,
// unless that call ended at its deadline (its request may still have been
// on its way), no successful call began after that call had returned.
func (c *chaos) verifyTagging(ctx context.Context, plain *s3.Client) {
	writes := c.ledger.of(tagKey)
	if len(writes) == 0 {
		return
	}
	out, err := plain.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &c.upd})
	if err != nil {
		c.bad.add("shared bucket tag: final read: %v", err)
		return
	}
	v := tagValue(out.TagSet)
	last, ok := writes[v]
	if !ok {
		c.bad.add("shared bucket tag: %q, which no call wrote", v)
		return
	}
	if errors.Is(last.err, context.DeadlineExceeded) {
		return // its request may have landed after the call returned
	}
	for _, w := range writes {
		if w.out == acked && w.start.After(last.end) {
			c.bad.add("shared bucket tag: %s is current, but %s succeeded after it had returned", v, w.id)
		}
	}
}

// verifyRace checks one race key by its history (the bucket is
// versioned): the versions are exactly the landed writes, with their
// bytes, chained — one create, and every update over the version whose
// ETag it named, no version replaced twice — ending at the current one.
func (c *chaos) verifyRace(ctx context.Context, plain *s3.Client, k string) {
	fail := c.bad.add
	writes := c.ledger.of(k)
	count := map[string]int{}
	consumed := map[string]string{} // ETag → the update that replaced it
	ids := map[string]string{}      // ETag → the write that made it
	creates, latest := 0, ""
	pages := s3.NewListObjectVersionsPaginator(plain, &s3.ListObjectVersionsInput{Bucket: &c.race, Prefix: &k})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			fail("%s: listing versions: %v", k, err)
			return
		}
		if len(page.DeleteMarkers) > 0 {
			fail("%s: %d delete markers, but nothing deletes race keys", k, len(page.DeleteMarkers))
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Key) != k {
				continue
			}
			out, err := plain.GetObject(ctx, &s3.GetObjectInput{Bucket: &c.race, Key: &k, VersionId: v.VersionId})
			if err != nil {
				fail("%s: reading version %s: %v", k, aws.ToString(v.VersionId), err)
				return
			}
			var body bytes.Buffer
			_, err = body.ReadFrom(out.Body)
			out.Body.Close()
			if err != nil {
				fail("%s: reading version %s: %v", k, aws.ToString(v.VersionId), err)
				return
			}
			id, _, _ := strings.Cut(body.String(), ":")
			count[id]++
			w, ok := writes[id]
			if !ok {
				continue // landed() says so
			}
			if w.body != body.String() {
				fail("%s: version %s holds %.40q, write %s sent %.40q", k, aws.ToString(v.VersionId), body.String(), id, w.body)
			}
			if w.version != "" && w.version != aws.ToString(v.VersionId) {
				fail("%s: write %s was acknowledged as version %s but landed as %s", k, id, w.version, aws.ToString(v.VersionId))
			}
			etag := strings.Trim(aws.ToString(v.ETag), `"`)
			ids[etag] = id
			if aws.ToBool(v.IsLatest) {
				latest = id
			}
			switch w.op {
			case "create":
				creates++
			case "update":
				if other, dup := consumed[w.ifMatch]; dup {
					fail("%s: writes %s and %s both replaced the version with ETag %s", k, other, id, w.ifMatch)
				}
				consumed[w.ifMatch] = id
			}
		}
	}
	c.landed(k, writes, count)
	if len(ids) > 0 && creates != 1 {
		fail("%s: %d versions were made by If-None-Match *, want 1", k, creates)
	}
	var tips []string
	for etag, id := range ids {
		if _, ok := consumed[etag]; !ok {
			tips = append(tips, id)
		}
	}
	for etag, id := range consumed {
		if _, ok := ids[etag]; !ok {
			fail("%s: update %s landed over ETag %s, which no version has", k, id, etag)
		}
	}
	sort.Strings(tips)
	if len(ids) > 0 && (len(tips) != 1 || tips[0] != latest) {
		fail("%s: the history does not end in the current version %s: unreplaced versions %v", k, latest, tips)
	}
}

// readIDs reads the list of update ids of an Updater key (of one version
// when version is set): nil when the key is absent.
func readIDs(ctx context.Context, c *s3.Client, bucket, key, version string) ([]string, error) {
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := c.GetObject(ctx, in)
	if s3err.Code(err) == "NoSuchKey" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	var v struct{ IDs []string }
	err = json.NewDecoder(out.Body).Decode(&v)
	return v.IDs, err
}
