// The "Export Trace as pcap" command (extension side): asks for a probe of the document (quick
// pick) and a save location, runs the probe through core/sim in the extension host and writes the
// pcapng (or classic pcap, by the chosen extension) that core/pcap encodes. Owns only the
// interaction and the file write.
import * as vscode from 'vscode';
import { buildModel } from '../../core/model/index';
import { captureFrames, deviceDescriber, writePcap, writePcapng } from '../../core/pcap/index';
import { simulate } from '../../core/sim/index';
import { simModeSetting } from './html';

export async function exportPcapCommand(doc: vscode.TextDocument, probeName?: string): Promise<void> {
  const model = buildModel(doc.getText());
  if (!model.probes.length) {
    void vscode.window.showInformationMessage(
      'This file has no probe to capture. Add one, for example: probe web from client tcp 10.0.2.2:80 expect delivered',
    );
    return;
  }
  let probe = probeName ? model.probes.find((p) => p.name === probeName) : undefined;
  if (!probe) {
    const picked = await vscode.window.showQuickPick(
      model.probes.map((p) => ({ label: p.name, description: `${p.proto}${p.from ? ` from ${p.from.netns}` : p.on ? ` on ${p.on.netns}` : ''}` })),
      { title: 'Export which probe as pcap?', placeHolder: 'Pick a probe of this file' },
    );
    if (!picked) return;
    probe = model.probes.find((p) => p.name === picked.label);
    if (!probe) return;
  }
  const dir = doc.isUntitled ? vscode.workspace.workspaceFolders?.[0]?.uri : vscode.Uri.joinPath(doc.uri, '..');
  const target = await vscode.window.showSaveDialog({
    title: `Save the packets of probe ${probe.name}`,
    defaultUri: dir ? vscode.Uri.joinPath(dir, `${probe.name}.pcapng`) : undefined,
    filters: { 'pcapng capture': ['pcapng'], 'Classic pcap capture': ['pcap'] },
    saveLabel: 'Export',
  });
  if (!target) return;
  const { mode } = simModeSetting();
  const result = simulate(model.topology, probe, mode, { detail: 1 });
  const frames = captureFrames(result.events, model.topology);
  const o = result.outcome;
  const comment = `probe ${probe.name}: ${o.kind}${o.netns ? ` in ${o.netns}` : ''}${o.errno ? ` (${o.errno})` : ''}: ${o.reason}`;
  const bytes = /\.pcap$/i.test(target.path)
    ? writePcap(frames)
    : writePcapng(frames, { comment, application: 'netns-dbg (VS Code)', describe: deviceDescriber(model.topology) });
  await vscode.workspace.fs.writeFile(target, bytes);
  const devices = new Set(frames.map((f) => `${f.netns}/${f.dev}`)).size;
  void vscode.window.showInformationMessage(`Wrote ${frames.length} frames on ${devices} devices to ${target.path.slice(target.path.lastIndexOf('/') + 1)} (${o.kind}).`);
}
