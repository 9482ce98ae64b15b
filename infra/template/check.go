package template

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"backoffice/shared/awsenv"
)

// ActionsWithoutResources are actions AWS authorizes only on Resource "*"
// (no resource-level permissions), with the reason. Only these may use "*".
var ActionsWithoutResources = map[string]string{
	"xray:PutTraceSegments":    "X-Ray has no resource-level permissions",
	"xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
	"cloudwatch:PutMetricData": "metrics have no ARN; narrow with a cloudwatch:namespace condition",
}

// WildcardResources are resources with a "*" inside that are as specific as
// AWS allows for the actions named, with the reason.
var WildcardResources = []struct {
	Pattern *regexp.Regexp // matched against the resource (Fn::Sub text or plain string)
	Actions []string       // every action of the statement must be one of these
	Why     string
}{
	{
		Pattern: regexp.MustCompile(`^\$\{Table\.Arn\}/index/\*$`),
		Actions: []string{"dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem"},
		Why:     "every index of the one table, for reads only: a Query on an index is authorized on the index ARN, and all five serve lists (the item reads sharing the statement never match an index)",
	},
	{
		Pattern: regexp.MustCompile(`^arn:\$\{AWS::Partition\}:ses:\$\{AWS::Region\}:\$\{AWS::AccountId\}:identity/\*$`),
		Actions: []string{"ses:SendEmail", "ses:SendRawEmail"},
		Why:     "SES authorizes sending on the sender identity, which may be the address or its domain (SenderEmail is a parameter), and in the sandbox on the recipients' identities too",
	},
	{
		Pattern: regexp.MustCompile(`^(\$\{\w+\.Arn\}|arn:\$\{AWS::Partition\}:s3:::\$\{\w+\})(/[\w.-]+)*/\*$`),
		Actions: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"},
		Why:     "objects of one bucket (or one prefix of it): their keys are made at run time",
	},
}

// cursorSignerCall is how a function asks for the cursor key; such a
// function needs ssm:GetParameter on the cursor key parameter.
const cursorSignerCall = "secret.CursorSigner("

// The cursor key's parameter: its name in the functions' environment and
// the ARN their policies must name (scripts/deploy.sh creates it).
const (
	cursorKeyName = "/${AWS::StackName}/cursor-key"
	cursorKeyArn  = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter" + cursorKeyName
	// The mail token key (shared/outbox, Link): which functions need it
	// follows from what they mail, so the recorded calls (infra/iam) judge
	// its grants; here only its name.
	mailTokenKeyName = "/${AWS::StackName}/mail-token-key"
)

var placeholder = regexp.MustCompile(`\$\{[^}]+\}`)

// Check returns every rule t breaks, one line each; root is the folder
// template.yaml is in (CodeUri folders are checked to exist under it).
func Check(t *Template, root string) []string {
	c := &checker{t: t, root: root}
	c.parameters()
	c.functions()
	c.routes()
	c.dataSafety()
	c.alarms()
	c.lintIgnores()
	c.deployRules()
	c.edge()
	c.leastPrivilege()
	c.noSecrets()
	c.signIn()
	sort.Strings(c.problems)
	return c.problems
}

type checker struct {
	t        *Template
	root     string
	problems []string
}

func (c *checker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) parameters() {
	for name, p := range c.t.Parameters {
		if strings.TrimSpace(String(p["Description"])) == "" {
			c.addf("parameter %s: no Description", name)
		}
	}
}

func (c *checker) functions() {
	env := Map(Map(c.t.Globals["Environment"])["Variables"])
	if name := resourceText(env["CURSOR_KEY_PARAMETER"]); name != cursorKeyName {
		c.addf("Globals: CURSOR_KEY_PARAMETER is %q, not %q (the parameter scripts/deploy.sh creates and the policies name)", name, cursorKeyName)
	}
	if name := resourceText(env["MAIL_TOKEN_KEY_PARAMETER"]); name != mailTokenKeyName {
		c.addf("Globals: MAIL_TOKEN_KEY_PARAMETER is %q, not %q (the parameter scripts/deploy.sh creates and the policies name)", name, mailTokenKeyName)
	}
	usedLogGroups := map[string]string{}
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		if String(r.Metadata["BuildMethod"]) != "go1.x" {
			c.addf("function %s: Metadata.BuildMethod is not go1.x (sam build would not build the Go binary)", id)
		}
		codeURI := String(r.Properties["CodeUri"])
		mainGo := filepath.Join(c.root, filepath.FromSlash(codeURI), "main.go")
		src, err := os.ReadFile(mainGo)
		if codeURI == "" || err != nil {
			c.addf("function %s: CodeUri %q has no main.go", id, codeURI)
		}

		lg := RefTo(Map(r.Properties["LoggingConfig"])["LogGroup"])
		group, ok := c.t.Resources[lg]
		switch {
		case lg == "":
			c.addf("function %s: no LoggingConfig.LogGroup: Lambda would create a log group that never expires and that the stack does not delete", id)
		case !ok || group.Type != "AWS::Logs::LogGroup":
			c.addf("function %s: LoggingConfig.LogGroup %s is not an AWS::Logs::LogGroup of the template", id, lg)
		default:
			if group.Properties["RetentionInDays"] == nil {
				c.addf("log group %s: no RetentionInDays", lg)
			}
			if other, dup := usedLogGroups[lg]; dup {
				c.addf("function %s: log group %s is also %s's: each function needs its own", id, lg, other)
			}
			usedLogGroups[lg] = id
		}

		grants := c.policies(id, r.Properties["Policies"])
		if strings.Contains(string(src), cursorSignerCall) && !grants["ssm:GetParameter "+cursorKeyArn] {
			c.addf("function %s: signs cursors but has no ssm:GetParameter on %s", id, cursorKeyArn)
		}
	}
}

// policies checks a function's inline policies and returns what they allow
// as "action resource" pairs (resources in their Fn::Sub or GetAtt form).
func (c *checker) policies(fn string, v any) map[string]bool {
	grants := map[string]bool{}
	for _, p := range List(v) {
		if _, ok := p.(string); ok {
			c.addf("function %s: managed policy %q: use an inline Statement that names actions and resources", fn, p)
			continue
		}
		if len(List(Map(p)["Statement"])) == 0 {
			c.addf("function %s: policy without Statement (SAM policy templates are not checked: write the statement)", fn)
			continue
		}
		for _, s := range List(Map(p)["Statement"]) {
			st := Map(s)
			if String(st["Effect"]) != "Allow" {
				continue // a Deny can only narrow
			}
			actions := strs(st["Action"])
			for _, a := range actions {
				if strings.Contains(a, "*") {
					c.addf("function %s: action %q: name the actions", fn, a)
				}
			}
			for _, res := range List(st["Resource"]) {
				text := resourceText(res)
				switch {
				case text == "*":
					for _, a := range actions {
						if _, ok := ActionsWithoutResources[a]; !ok {
							c.addf("function %s: %s on Resource \"*\": name the resource", fn, a)
						}
					}
				case strings.Contains(text, "*") && !allowedWildcard(text, actions):
					c.addf("function %s: resource %q has a wildcard: name the resource", fn, text)
				}
				for _, a := range actions {
					grants[a+" "+text] = true
				}
			}
		}
	}
	return grants
}

func allowedWildcard(resource string, actions []string) bool {
	for _, w := range WildcardResources {
		if w.Pattern.MatchString(resource) && subset(actions, w.Actions) {
			return true
		}
	}
	return false
}

func subset(a, of []string) bool {
	for _, x := range a {
		found := false
		for _, y := range of {
			found = found || x == y
		}
		if !found {
			return false
		}
	}
	return true
}

// resourceText is a resource as written: a string, the text of a Fn::Sub, or
// "${A.B}" for GetAtt / "${A}" for Ref, so patterns can match either form.
func resourceText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	m := Map(v)
	if sub, ok := m["Fn::Sub"]; ok {
		if l, ok := sub.([]any); ok && len(l) > 0 {
			return String(l[0])
		}
		return String(sub)
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		return "${" + String(ga[0]) + "." + String(ga[1]) + "}"
	}
	if ref := RefTo(v); ref != "" {
		return "${" + ref + "}"
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	var out []string
	for _, x := range List(v) {
		out = append(out, String(x))
	}
	return out
}

// routes: every HttpApi event names its API (without ApiId SAM makes an
// implicit API without the JWT authorizer) and its authorizer decision is
// explicit (NONE or a defined authorizer) or the API's default one.
func (c *checker) routes() {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		for name, e := range Map(r.Properties["Events"]) {
			ev := Map(e)
			if String(ev["Type"]) != "HttpApi" {
				continue
			}
			props := Map(ev["Properties"])
			route := String(props["Method"]) + " " + String(props["Path"])
			apiID := RefTo(props["ApiId"])
			api, ok := c.t.Resources[apiID]
			if !ok || api.Type != "AWS::Serverless::HttpApi" {
				c.addf("function %s event %s (%s): ApiId does not name an HttpApi of the template", id, name, route)
				continue
			}
			auth := Map(api.Properties["Auth"])
			authorizers := Map(auth["Authorizers"])
			decision := String(Map(props["Auth"])["Authorizer"])
			if decision == "" {
				decision = String(auth["DefaultAuthorizer"])
			}
			if _, defined := authorizers[decision]; decision != "NONE" && !defined {
				c.addf("function %s event %s (%s): no authorizer decision (set Auth.Authorizer: NONE for a public route, or an authorizer of %s)", id, name, route, apiID)
			}
		}
	}
}

// dataSafety: what holds the shop's data survives a stack deletion and can
// be restored.
func (c *checker) dataSafety() {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		switch r.Type {
		case "AWS::DynamoDB::Table":
			if r.DeletionPolicy != "Retain" {
				c.addf("table %s: DeletionPolicy is not Retain", id)
			}
			if Map(r.Properties["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true {
				c.addf("table %s: point-in-time recovery is off", id)
			}
			if r.Properties["DeletionProtectionEnabled"] == nil {
				c.addf("table %s: no DeletionProtectionEnabled", id)
			}
		case "AWS::Cognito::UserPool":
			if r.DeletionPolicy != "Retain" {
				c.addf("user pool %s: DeletionPolicy is not Retain", id)
			}
			if r.Properties["DeletionProtection"] == nil {
				c.addf("user pool %s: no DeletionProtection", id)
			}
		}
	}
}

// alarms: every alarm notifies someone and is on the dashboard, whose body
// is valid JSON once substituted; every queue (they are all dead-letter
// queues: what lands there failed every retry) has an alarm on its messages.
func (c *checker) alarms() {
	var body string
	dashboards := 0
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.Type == "AWS::CloudWatch::Dashboard" {
			dashboards++
			body = String(Map(r.Properties["DashboardBody"])["Fn::Sub"])
			if !json.Valid([]byte(placeholder.ReplaceAllString(body, "x"))) {
				c.addf("dashboard %s: DashboardBody is not valid JSON", id)
			}
		}
	}
	if dashboards != 1 {
		c.addf("%d dashboards: want one", dashboards)
	}
	watched := map[string]bool{} // queues an alarm watches
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		if len(List(r.Properties["AlarmActions"])) == 0 {
			c.addf("alarm %s: no AlarmActions", id)
		}
		if String(r.Properties["AlarmDescription"]) == "" {
			c.addf("alarm %s: no AlarmDescription (it is what the notification says)", id)
		}
		if !strings.Contains(body, "${"+id+".Arn}") {
			c.addf("alarm %s: not on the dashboard's alarm widget", id)
		}
		for _, d := range List(r.Properties["Dimensions"]) {
			if at := List(Map(Map(d)["Value"])["Fn::GetAtt"]); String(Map(d)["Name"]) == "QueueName" && len(at) == 2 {
				watched[String(at[0])] = true
			}
		}
	}
	for _, id := range c.t.Order {
		if c.t.Resources[id].Type == "AWS::SQS::Queue" && !watched[id] {
			c.addf("queue %s: no alarm on its messages (QueueName dimension)", id)
		}
	}
}

// itemActions are the DynamoDB actions that name items by their keys, so
// that dynamodb:LeadingKeys can limit them; writeActions change items.
var (
	itemActions = map[string]bool{
		"dynamodb:GetItem": true, "dynamodb:BatchGetItem": true, "dynamodb:Query": true,
		"dynamodb:PutItem": true, "dynamodb:UpdateItem": true, "dynamodb:DeleteItem": true,
		"dynamodb:BatchWriteItem": true, "dynamodb:ConditionCheckItem": true,
	}
	writeActions = map[string]bool{
		"dynamodb:PutItem": true, "dynamodb:UpdateItem": true, "dynamodb:DeleteItem": true,
		"dynamodb:BatchWriteItem": true,
	}
)

// PublicWrites are the kinds of items (partition key prefixes) a function
// behind a public route (no authorizer: sign-in, refresh, forgotten and
// reset passwords, invitations, confirming a new address) may write:
// sessions and rate counters, the person's own profile and sign-in record,
// its role memberships and the shop's counters (an accepted invitation),
// mail tokens, mails and audit events, and email claims: confirming a new
// sign-in address (its link's token is the proof) makes the new address's
// claim, held since the change was asked for, the person's for good and
// releases the old one, in the same transaction as the profile; every such
// write is conditioned on the claim being the person's. Roles, categories,
// settings other than the counters' item, idempotency keys: never. ROLE#*
// includes a role's own item, which shares its partition with the
// memberships (infra/DATA.md). FORGOTREQ#*: a forgot-password request,
// which the stream's resolver turns into a reset mail (or nothing).
var PublicWrites = map[string]bool{
	"SESSION#*": true, "RATE#*": true, "STAFF#*": true, "CUSTOMER#*": true, "AUTH#*": true,
	"ROLE#*": true, "SETTINGS": true, "TOKEN#*": true, "OUTBOX#*": true, "AUDIT#*": true,
	"EMAIL#*": true, "FORGOTREQ#*": true,
}

// leastPrivilege: table access is limited to the kinds of items a function
// touches (dynamodb:LeadingKeys on every item action), nothing scans (a
// Scan has no partition key, so a LeadingKeys condition would not limit
// it), public functions write only their own kinds of items, and mail goes
// out only as SenderEmail.
func (c *checker) leastPrivilege() {
	public := c.publicFunctions()
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		for _, p := range List(r.Properties["Policies"]) {
			for _, s := range List(Map(p)["Statement"]) {
				st := Map(s)
				if String(st["Effect"]) != "Allow" {
					continue
				}
				actions := strs(st["Action"])
				cond := Map(st["Condition"])
				items, writes, sends := false, false, false
				for _, a := range actions {
					items = items || itemActions[a]
					writes = writes || writeActions[a]
					sends = sends || a == "ses:SendEmail" || a == "ses:SendRawEmail"
					if a == "dynamodb:Scan" {
						c.addf("function %s: grants dynamodb:Scan (no partition key: LeadingKeys can not limit it; query an index instead)", id)
					}
				}
				if items {
					c.leadingKeys(id, strs(Map(cond["ForAllValues:StringLike"])["dynamodb:LeadingKeys"]), writes && public[id])
				}
				if sends && resourceText(Map(cond["StringEquals"])["ses:FromAddress"]) != "${SenderEmail}" {
					c.addf("function %s: may send mail as any address: condition StringEquals ses:FromAddress: !Ref SenderEmail is missing", id)
				}
			}
		}
	}
}

// leadingKeys checks one statement's partition key prefixes.
func (c *checker) leadingKeys(fn string, prefixes []string, publicWrite bool) {
	if len(prefixes) == 0 {
		c.addf("function %s: table access without a ForAllValues:StringLike dynamodb:LeadingKeys condition (name the kinds of items it touches)", fn)
		return
	}
	for _, p := range prefixes {
		if i := strings.IndexAny(p, "*?"); i == 0 {
			c.addf("function %s: LeadingKeys %q starts with a wildcard: it matches every item", fn, p)
		}
		if publicWrite && !PublicWrites[p] && !PublicWrites[prefixKind(p)] {
			c.addf("function %s: a public route's function may write %q: public functions write only %v", fn, p, sortedKeys(PublicWrites))
		}
	}
}

// prefixKind reduces "RATE#login-email#*" to "RATE#*".
func prefixKind(p string) string {
	if i := strings.Index(p, "#"); i >= 0 {
		return p[:i+1] + "*"
	}
	return p
}

// publicFunctions are the functions with a route that has no authorizer.
func (c *checker) publicFunctions() map[string]bool {
	out := map[string]bool{}
	for _, id := range c.t.Order {
		for _, e := range Map(c.t.Resources[id].Properties["Events"]) {
			ev := Map(e)
			if String(ev["Type"]) == "HttpApi" && String(Map(Map(ev["Properties"])["Auth"])["Authorizer"]) == "NONE" {
				out[id] = true
			}
		}
	}
	return out
}

// secretName matches environment variable names that would hold a secret.
var secretName = regexp.MustCompile(`(?i)SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|TOKEN`)

// noSecrets: a deployed template never carries a secret value in a
// function's environment (a secret lives in SSM and the variable holds its
// name, ..._PARAMETER), nor the local stack's call recorder switch.
func (c *checker) noSecrets() {
	check := func(where string, vars map[string]any) {
		for name := range vars {
			switch {
			case name == awsenv.RecordEnv:
				c.addf("%s: %s is the local stack's call recorder; it never belongs in a deployed template", where, name)
			case secretName.MatchString(name) && !strings.HasSuffix(name, "_PARAMETER"):
				c.addf("%s: environment variable %s looks like a secret: keep secrets in SSM Parameter Store and pass the parameter's name (…_PARAMETER)", where, name)
			}
		}
	}
	check("Globals", Map(Map(c.t.Globals["Environment"])["Variables"]))
	for _, id := range c.t.Order {
		if r := c.t.Resources[id]; r.Type == "AWS::Serverless::Function" {
			check("function "+id, Map(Map(r.Properties["Environment"])["Variables"]))
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
