package conflicttest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
)

// subresource describes a bucket sub-resource the in-process server
// stores and serves back.
type subresource struct {
	root      string // the root element of its XML document; "json" for the policy; "" read-only
	missing   string // the code S3 answers a GET with when there is none
	deletable bool   // S3 has a Delete operation for it
	noContent bool   // S3 answers its PUT 204 (else 200)
}

func (s subresource) putStatus() int {
	if s.noContent {
		return http.StatusNoContent
	}
	return http.StatusOK
}

func (s subresource) contentType() string {
	if s.root == "json" {
		return "application/json"
	}
	return "application/xml"
}

// subresources are the bucket sub-resources the server serves, by query
// name. Versioning is gofakes3's own.
var subresources = map[string]subresource{
	"policy":            {root: "json", missing: "NoSuchBucketPolicy", deletable: true, noContent: true},
	"policyStatus":      {missing: "NoSuchBucketPolicy"},
	"tagging":           {root: "Tagging", missing: "NoSuchTagSet", deletable: true, noContent: true},
	"lifecycle":         {root: "LifecycleConfiguration", missing: "NoSuchLifecycleConfiguration", deletable: true},
	"publicAccessBlock": {root: "PublicAccessBlockConfiguration", missing: "NoSuchPublicAccessBlockConfiguration", deletable: true},
	"ownershipControls": {root: "OwnershipControls", missing: "OwnershipControlsNotFoundError", deletable: true},
	"encryption":        {root: "ServerSideEncryptionConfiguration", missing: "ServerSideEncryptionConfigurationNotFoundError", deletable: true},
	"cors":              {root: "CORSConfiguration", missing: "NoSuchCORSConfiguration", deletable: true},
	"acl":               {root: "AccessControlPolicy", missing: "NoSuchBucket"},
	"object-lock":       {root: "ObjectLockConfiguration", missing: "ObjectLockConfigurationNotFoundError"},
}

// bucketParams are the bucket-level query parameters gofakes3 handles
// (listings, versioning, uploads, location, multi-object delete). A bucket
// request with any other parameter that is not a served sub-resource is
// answered 501 NotImplemented.
var bucketParams = map[string]bool{
	"versioning": true, "versions": true, "uploads": true, "location": true, "delete": true, "x-id": true,
	"list-type": true, "prefix": true, "delimiter": true, "marker": true, "max-keys": true, "encoding-type": true,
	"continuation-token": true, "start-after": true, "fetch-owner": true, "key-marker": true,
	"version-id-marker": true, "upload-id-marker": true, "max-uploads": true,
}

// unservedObjectSubresource returns the object sub-resource a request
// addresses ("" for none): the server serves none of them, and gofakes3
// would take their PUT for a PutObject of the document.
func unservedObjectSubresource(query map[string][]string) string {
	for _, s := range objectSubresources {
		if _, ok := query[s.query]; ok {
			return s.query
		}
	}
	for _, q := range []string{"restore", "select", "renameObject"} {
		if _, ok := query[q]; ok {
			return q
		}
	}
	return ""
}

// ownerID is the canonical ID the server shows as a bucket owner.
const ownerID = "c0nf11c7e57c0nf11c7e57c0nf11c7e57c0nf11c7e57c0nf11c7e57c0nf11c7e"

// defaultDocs are what S3 gives a new bucket (since April 2023): public
// access blocked, ACLs disabled (bucket owner enforced), SSE-S3
// encryption, and an ACL that grants the owner full control.
func defaultDocs() map[string][]byte {
	return map[string][]byte{
		"publicAccessBlock": []byte(`<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>` +
			`<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>` +
			`<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`),
		"ownershipControls": ownershipDoc("BucketOwnerEnforced"),
		"encryption": []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>` +
			`<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled>` +
			`</Rule></ServerSideEncryptionConfiguration>`),
		"acl": cannedACL(""),
	}
}

func ownershipDoc(ownership string) []byte {
	var b bytes.Buffer
	b.WriteString("<OwnershipControls><Rule><ObjectOwnership>")
	_ = xml.EscapeText(&b, []byte(ownership))
	b.WriteString("</ObjectOwnership></Rule></OwnershipControls>")
	return b.Bytes()
}

const lockEnabledDoc = `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`

// cannedACL is the ACL document of a canned ACL ("" and "private": the
// owner's full control).
func cannedACL(canned string) []byte {
	grant := func(grantee, permission string) string {
		return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` + grantee + `</Grantee><Permission>` + permission + `</Permission></Grant>`
	}
	owner := `xsi:type="CanonicalUser"><ID>` + ownerID + `</ID><DisplayName>conflicttest</DisplayName>`
	group := func(uri string) string {
		return `xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/` + uri + `</URI>`
	}
	grants := grant(owner, "FULL_CONTROL")
	switch canned {
	case "public-read":
		grants += grant(group("AllUsers"), "READ")
	case "public-read-write":
		grants += grant(group("AllUsers"), "READ") + grant(group("AllUsers"), "WRITE")
	case "authenticated-read":
		grants += grant(group("AuthenticatedUsers"), "READ")
	}
	return []byte(`<AccessControlPolicy><Owner><ID>` + ownerID + `</ID><DisplayName>conflicttest</DisplayName></Owner>` +
		`<AccessControlList>` + grants + `</AccessControlList></AccessControlPolicy>`)
}

// aclDoc is the ACL a PutBucketAcl sets: its document, or its canned ACL.
func aclDoc(body []byte, h http.Header) ([]byte, error) {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return nil, errors.New("the in-process server does not serve x-amz-grant-* headers; send an AccessControlPolicy or a canned ACL")
		}
	}
	if len(bytes.TrimSpace(body)) > 0 {
		return body, nil
	}
	switch canned := h.Get("X-Amz-Acl"); canned {
	case "", "private", "public-read", "public-read-write", "authenticated-read":
		return cannedACL(canned), nil
	default:
		return nil, errors.New("the in-process server does not serve the canned ACL " + canned)
	}
}

// validate checks that doc is a well-formed document of the sub-resource,
// and returns S3's error code and message when it is not.
func validate(sub subresource, doc []byte) (code, message string) {
	if sub.root == "json" {
		if !json.Valid(doc) {
			return "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"
		}
		return "", ""
	}
	malformed := "The XML you provided was not well-formed or did not validate against our published schema"
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "MalformedXML", malformed
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != sub.root {
					return "MalformedXML", malformed
				}
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		return "MalformedXML", malformed
	}
	return "", ""
}

// policyStatus is the GetBucketPolicyStatus document for a policy: public
// when a statement allows everyone ("*") without a condition.
func policyStatus(policy []byte) ([]byte, bool) {
	if policy == nil {
		return nil, false
	}
	var p struct {
		Statement []struct {
			Effect    string
			Principal any
			Condition any
		}
	}
	_ = json.Unmarshal(policy, &p)
	public := false
	for _, s := range p.Statement {
		if s.Effect == "Allow" && s.Condition == nil && everyone(s.Principal) {
			public = true
		}
	}
	if public {
		return []byte(`<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>`), true
	}
	return []byte(`<PolicyStatus><IsPublic>false</IsPublic></PolicyStatus>`), true
}

// everyone reports whether a policy principal is "*" or {"AWS": "*"}.
func everyone(p any) bool {
	switch v := p.(type) {
	case string:
		return v == "*"
	case map[string]any:
		return everyone(v["AWS"])
	case []any:
		for _, x := range v {
			if everyone(x) {
				return true
			}
		}
	}
	return false
}
