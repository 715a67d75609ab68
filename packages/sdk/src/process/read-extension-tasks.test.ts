import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAmeideModdle } from "./ameide-moddle.js";
import { AMEIDE_MODDLE_URI, MAX_BPMN_XML_BYTES, readExtensionTasks } from "./read-extension-tasks.js";

const bpmn = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ameide="${AMEIDE_MODDLE_URI}" id="defs" targetNamespace="http://example.com/deals">
  <bpmn:process id="deal-approval" isExecutable="true">
${body}
  </bpmn:process>
</bpmn:definitions>`;

const task = (id: string, inner: string, attrs = 'extensionId="deal-pricer" version="3"') => `
    <bpmn:serviceTask id="${id}" name="Price the deal">
      <bpmn:extensionElements>
        <ameide:extensionTask ${attrs}>${inner}</ameide:extensionTask>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`;

const mappings = `
          <ameide:input source="=deal.amount" target="amount" />
          <ameide:input source="EUR" target="currency" />
          <ameide:output source="=approved" target="deal.approved" />`;

describe("readExtensionTasks()", () => {
  it("reads each serviceTask carrying ameide:extensionTask, with its mappings in order", async () => {
    const tasks = await readExtensionTasks(bpmn(task("price", mappings)));
    expect(tasks).toEqual([
      {
        taskId: "price",
        name: "Price the deal",
        processId: "deal-approval",
        extensionId: "deal-pricer",
        version: "3",
        inputs: [
          { source: "=deal.amount", target: "amount" },
          { source: "EUR", target: "currency" },
        ],
        outputs: [{ source: "=approved", target: "deal.approved" }],
      },
    ]);
  });

  it("ignores a serviceTask without the element, and finds tasks inside sub-processes", async () => {
    const xml = bpmn(`
    <bpmn:serviceTask id="plain" />
    <bpmn:subProcess id="sub">${task("inner", "", 'extensionId="deal-pricer"')}
    </bpmn:subProcess>`);
    const tasks = await readExtensionTasks(xml);
    expect(tasks.map((t) => [t.taskId, t.version])).toEqual([["inner", "latest"]]);
  });

  it("refuses a malformed extension id with the task id", async () => {
    await expect(
      readExtensionTasks(bpmn(task("price", "", 'extensionId="Deal Pricer"'))),
    ).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      details: { taskId: "price", field: "extensionId", value: "Deal Pricer" },
    });
  });

  it("refuses a missing extension id", async () => {
    await expect(readExtensionTasks(bpmn(task("price", "", "")))).rejects.toMatchObject({
      reason: "invalid_manifest",
      details: { taskId: "price", field: "extensionId" },
    });
  });

  it("refuses a FEEL syntax error with the task id and the expression", async () => {
    const bad = `<ameide:input source="=deal.amount +" target="amount" />`;
    await expect(readExtensionTasks(bpmn(task("price", bad)))).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      details: { taskId: "price", expression: "=deal.amount +" },
    });
  });

  it("refuses two mappings to one target", async () => {
    const twice = `<ameide:output source="=a" target="total" /><ameide:output source="=b" target="total" />`;
    await expect(readExtensionTasks(bpmn(task("price", twice)))).rejects.toMatchObject({
      reason: "invalid_manifest",
      details: { taskId: "price", field: "outputs[1].target", target: "total" },
    });
  });

  it("refuses two ameide:extensionTask elements on one serviceTask", async () => {
    const xml = bpmn(`
    <bpmn:serviceTask id="price">
      <bpmn:extensionElements>
        <ameide:extensionTask extensionId="deal-pricer" />
        <ameide:extensionTask extensionId="deal-pricer" />
      </bpmn:extensionElements>
    </bpmn:serviceTask>`);
    await expect(readExtensionTasks(xml)).rejects.toMatchObject({
      reason: "invalid_manifest",
      details: { taskId: "price" },
    });
  });

  it("refuses ameide:extensionTask on an element that is not a serviceTask", async () => {
    const xml = bpmn(`
    <bpmn:userTask id="review">
      <bpmn:extensionElements><ameide:extensionTask extensionId="deal-pricer" /></bpmn:extensionElements>
    </bpmn:userTask>`);
    await expect(readExtensionTasks(xml)).rejects.toMatchObject({
      reason: "invalid_manifest",
      details: { taskId: "review", element: "bpmn:UserTask" },
    });
  });

  it("refuses an unknown ameide element (a misspelt one would silently drop the task)", async () => {
    const xml = bpmn(`
    <bpmn:serviceTask id="price">
      <bpmn:extensionElements><ameide:extensionTsk extensionId="deal-pricer" /></bpmn:extensionElements>
    </bpmn:serviceTask>`);
    await expect(readExtensionTasks(xml)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      message: expect.stringContaining("ameide:extensionTsk"),
    });
  });

  it("refuses two elements with one id: the parser would drop the second one, and an Extension Task in it, silently", async () => {
    const xml = bpmn(`${task("price", mappings)}${task("price", "", 'extensionId="other-pricer"')}`);
    await expect(readExtensionTasks(xml)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      details: { id: "price" },
    });
  });

  it("refuses an extensionTask element whose prefix is bound to another namespace than AMEIDE_MODDLE_URI", async () => {
    const xml = bpmn(task("price", "")).replace(
      `xmlns:ameide="${AMEIDE_MODDLE_URI}"`,
      'xmlns:ameide="https://ameide.example/other"',
    );
    await expect(readExtensionTasks(xml)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      details: { taskId: "price", element: "ns0:extensionTask" },
    });
  });

  it("finds a task under thousands of nested sub-processes without exhausting the stack", async () => {
    const depth = 20_000;
    let open = "";
    for (let i = 0; i < depth; i++) open += `<bpmn:subProcess id="s${i}">`;
    const xml = bpmn(`${open}${task("deep", "")}${"</bpmn:subProcess>".repeat(depth)}`);
    const tasks = await readExtensionTasks(xml);
    expect(tasks.map((t) => t.taskId)).toEqual(["deep"]);
  });

  it("refuses XML that does not parse, and a document that is not BPMN", async () => {
    await expect(readExtensionTasks("<bpmn:definitions")).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
    });
    await expect(readExtensionTasks("<?xml version='1.0'?><html/>")).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
    });
  });

  it("expands no DTD entity: neither a billion laughs nor an external file reaches the model", async () => {
    const hostile = bpmn(task("price", ""))
      .replace(
        "<bpmn:definitions",
        `<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions`,
      )
      .replace('name="Price the deal"', 'name="&b;&x;"');
    const [read] = await readExtensionTasks(hostile);
    expect(read?.name).toBe("&b;&x;");
  });

  it("refuses a document over the size cap before parsing it", async () => {
    const huge = bpmn(`<!-- ${"x".repeat(MAX_BPMN_XML_BYTES)} -->`);
    await expect(readExtensionTasks(huge)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "input_size",
      details: { limit: MAX_BPMN_XML_BYTES },
    });
    await expect(readExtensionTasks(bpmn(task("price", "")), { maxXmlBytes: 100 })).rejects.toMatchObject({
      reason: "input_size",
      details: { limit: 100 },
    });
  });

  it("refuses a cap out of bounds and a document that is not a string", async () => {
    await expect(readExtensionTasks("<x/>", { maxXmlBytes: 0 })).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
    await expect(readExtensionTasks(42 as unknown as string)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
  });
});

describe("readAmeideModdle()", () => {
  it("is the shipped descriptor of the ameide namespace, at AMEIDE_MODDLE_URI, with the three elements", async () => {
    const descriptor = (await readAmeideModdle()) as {
      prefix: string;
      uri: string;
      types: Array<{ name: string }>;
    };
    expect(descriptor.prefix).toBe("ameide");
    expect(descriptor.uri).toBe(AMEIDE_MODDLE_URI);
    expect(descriptor.types.map((t) => t.name)).toEqual(
      expect.arrayContaining(["ExtensionTask", "Input", "Output"]),
    );
  });
});

describe("the descriptor in the package", () => {
  it("is exported as @ameide-ext/sdk/bpmn/moddle.json and packed (its folder is in `files`)", () => {
    const root = join(import.meta.dirname, "..", "..");
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
      files: string[];
    };
    const target = manifest.exports["./bpmn/moddle.json"];
    expect(target).toBe("./resources/ameide-moddle.json");
    expect(existsSync(join(root, target as string))).toBe(true);
    expect(manifest.files).toContain("resources");
  });
});
