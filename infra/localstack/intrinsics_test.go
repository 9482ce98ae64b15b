package localstack

import (
	"reflect"
	"strings"
	"testing"
)

const intrinsicsTemplate = `
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Names: {Type: CommaDelimitedList, Default: "a,b"}
  Empty: {Type: String, Default: ""}
Mappings:
  Sizes:
    dev: {Memory: 128}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Ref Empty, ""]]
  Either: !Or [!Condition IsProd, !Condition Both]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
  ProdQueue:
    Type: AWS::SQS::Queue
    Condition: IsProd
`

func testResolver(t *testing.T, overrides map[string]string) *resolver {
	t.Helper()
	tmpl, err := parseTemplate([]byte(intrinsicsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(id, attr string) (any, error) {
		if attr == "" {
			return "phys-" + id, nil
		}
		return "att-" + id + "-" + attr, nil
	}
	r, err := newResolver(tmpl, "eu-west-1", "stk", overrides, lookup)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIntrinsics(t *testing.T) {
	t.Parallel()
	r := testResolver(t, nil)
	cases := []struct {
		name, yaml string
		want       any
	}{
		{"ref param", `!Ref Stage`, "dev"},
		{"ref pseudo", `!Ref AWS::Region`, "eu-west-1"},
		{"ref account", `{Ref: AWS::AccountId}`, "000000000000"},
		{"ref resource", `!Ref Table`, "phys-Table"},
		{"getatt dotted", `!GetAtt Table.StreamArn`, "att-Table-StreamArn"},
		{"getatt list", `!GetAtt [Table, Arn]`, "att-Table-Arn"},
		{"getatt long", `{"Fn::GetAtt": [Fn, Arn]}`, "att-Fn-Arn"},
		{"sub string", `!Sub "${AWS::StackName}-${Stage}-${Table}-${Table.Arn}-${!Literal}"`,
			"stk-dev-phys-Table-att-Table-Arn-${Literal}"},
		{"sub list", `!Sub ["${X}/${AWS::Partition}.${AWS::URLSuffix}", {X: !Ref Stage}]`, "dev/aws.amazonaws.com"},
		{"if true", `!If [IsDev, yes, no]`, "yes"},
		{"if false", `!If [IsProd, yes, no]`, "no"},
		{"and/or", `!If [Either, 1, 2]`, 1},
		{"join select split", `!Join ["+", [!Select [1, !Split [",", "x,y,z"]], !Ref Stage]]`, "y+dev"},
		{"list param", `!Join ["|", !Ref Names]`, "a|b"},
		{"find in map", `!FindInMap [Sizes, !Ref Stage, Memory]`, 128},
		{"base64", `!Base64 hi`, "aGk="},
		{"novalue in map", `{A: 1, B: !Ref AWS::NoValue, C: !If [IsProd, x, !Ref AWS::NoValue]}`, map[string]any{"A": 1}},
		{"novalue in list", `[a, !If [IsProd, b, !Ref AWS::NoValue], c]`, []any{"a", "c"}},
		{"equals long", `{"Fn::Equals": [a, a]}`, true},
		{"iam condition key kept", `{Condition: {StringEquals: {k: v}}}`, map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"k": "v"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := parseValue(t, c.yaml)
			got, err := r.resolve(v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func parseValue(t *testing.T, y string) any {
	t.Helper()
	tmpl, err := parseTemplate([]byte("Outputs:\n  V:\n    Value: " + y + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return asMap(tmpl.Outputs["V"])["Value"]
}

func TestIntrinsicErrors(t *testing.T) {
	t.Parallel()
	r := testResolver(t, nil)
	for _, y := range []string{`!Ref Nope`, `!Ref ProdQueue`, `!If [Missing, a, b]`, `!Select [5, [a]]`, `!Sub "${Nope}"`} {
		if _, err := r.resolve(parseValue(t, y)); err == nil {
			t.Errorf("%s: want an error", y)
		}
	}
}

func TestParameters(t *testing.T) {
	t.Parallel()
	r := testResolver(t, map[string]string{"Stage": "prod"})
	if !r.conds["IsProd"] || r.conds["IsDev"] {
		t.Fatalf("conditions: %v", r.conds)
	}
	tmpl, _ := parseTemplate([]byte(intrinsicsTemplate))
	lookup := func(string, string) (any, error) { return "", nil }
	for _, bad := range []map[string]string{{"Stage": "qa"}, {"Undeclared": "x"}} {
		if _, err := newResolver(tmpl, "r", "s", bad, lookup); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	tmpl.Parameters["Required"] = map[string]any{"Type": "String"}
	if _, err := newResolver(tmpl, "r", "s", nil, lookup); err == nil || !strings.Contains(err.Error(), "Required") {
		t.Errorf("missing value: got %v", err)
	}
}

func TestGlobalsMerge(t *testing.T) {
	t.Parallel()
	global := map[string]any{
		"Timeout":       10,
		"Layers":        []any{"l1"},
		"Environment":   map[string]any{"Variables": map[string]any{"A": "g", "B": "g"}},
		"Architectures": []any{"arm64"},
	}
	local := map[string]any{
		"Timeout":     30,
		"Layers":      []any{"l2"},
		"Environment": map[string]any{"Variables": map[string]any{"B": "l", "C": map[string]any{"Ref": "X"}}},
	}
	got := mergeGlobals(global, local)
	want := map[string]any{
		"Timeout":       30,
		"Layers":        []any{"l1", "l2"},
		"Environment":   map[string]any{"Variables": map[string]any{"A": "g", "B": "l", "C": map[string]any{"Ref": "X"}}},
		"Architectures": []any{"arm64"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

// The real template must parse and resolve with fake physical ids.
func TestRealTemplateParses(t *testing.T) {
	t.Parallel()
	tmpl, err := loadTemplate("../../template.yaml")
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	r, err := newResolver(tmpl, "eu-west-1", "backoffice",
		map[string]string{"OwnerEmail": "o@example.com", "SenderEmail": "s@example.com"},
		func(id, attr string) (any, error) { return id + "." + attr, nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tmpl.Order {
		if _, err := r.resolve(tmpl.Resources[id].Properties); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}
