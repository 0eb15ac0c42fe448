// Debugging wiring for the `netns` debug type: the configuration provider (F5 on a .netns file
// without a launch.json debugs the probe under the cursor, or offers a pick list) and the debug
// adapter factory (inline in the extension host by default, or dist/debugAdapter.js as a separate
// process). It does not implement the Debug Adapter Protocol: debugger/ does.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { chooseProbe, outputChannel, simulationMode } from './commands';
import { findProbes, isSimulationMode } from './probes';

/** The launch arguments, mirroring "configurationAttributes.launch" in package.json. */
export interface NetnsLaunchConfiguration extends vscode.DebugConfiguration {
  topology?: string;
  probe?: string;
  packet?: string;
  mode?: string;
  stopOnEntry?: boolean;
}

class NetnsConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly extensionPath: string) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      {
        type: 'netns',
        request: 'launch',
        name: 'Debug the probe under the cursor',
        topology: '${file}',
        stopOnEntry: true,
      },
    ];
  }

  /** Before variables are substituted: F5 with no launch.json arrives here as an empty configuration. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: NetnsLaunchConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId !== 'netns') {
        void vscode.window.showInformationMessage('Open a .netns topology file to debug one of its probes.');
        return undefined;
      }
      return { type: 'netns', request: 'launch', name: 'Debug probe', topology: doc.uri.fsPath, stopOnEntry: true };
    }
    return config;
  }

  /** After variables are substituted: fills in the probe (cursor or pick) and the simulation mode. */
  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: NetnsLaunchConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.topology) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId !== 'netns') {
        void vscode.window.showInformationMessage('The launch configuration has no "topology" and no .netns file is open.');
        return undefined;
      }
      config.topology = doc.uri.fsPath;
    }
    if (!config.probe && !config.packet) {
      let doc: vscode.TextDocument;
      try {
        doc = await vscode.workspace.openTextDocument(vscode.Uri.file(config.topology));
      } catch {
        void vscode.window.showErrorMessage(`Cannot open the topology file ${config.topology}.`);
        return undefined;
      }
      const editor = vscode.window.activeTextEditor;
      const line = editor && editor.document.uri.fsPath === doc.uri.fsPath ? editor.selection.active.line : undefined;
      const probe = await chooseProbe(doc, undefined, line);
      if (!probe) return undefined;
      config.probe = probe;
      if (!config.name || config.name === 'Debug probe') config.name = `Debug probe ${probe}`;
    }
    if (!existsSync(join(this.extensionPath, 'dist', 'debugAdapter.js'))) {
      // Said here, as information, rather than by the adapter factory (VS Code shows a factory error as a modal).
      void vscode.window.showInformationMessage(
        `The packet debugger is not available yet in this build (dist/debugAdapter.js is missing): cannot debug ${config.probe ? `probe ${config.probe}` : 'the packet'}.`,
      );
      return undefined;
    }
    if (config.mode === undefined) config.mode = simulationMode();
    else if (!isSimulationMode(config.mode)) {
      void vscode.window.showErrorMessage(
        `Unknown simulation mode "${String(config.mode)}": use separate, shortcut=route, shortcut=postrouting or shortcut=socket.`,
      );
      return undefined;
    }
    return config;
  }
}

/** The session class the debugger exports (a @vscode/debugadapter DebugSession, no-arg constructor). */
type SessionClass = new () => vscode.DebugAdapter;

/**
 * Loads `NetnsDebugSession` from dist/debugAdapter.js (the bundle of debugger/main.ts, which is
 * expected to re-export it from debugger/session.ts and to start a stdio session only when it is
 * the main module). Loaded at runtime, not bundled, so the extension builds and activates before
 * the debugger exists and stays small. Undefined when it is not there yet.
 */
function loadInlineSession(extensionPath: string): SessionClass | undefined {
  const file = join(extensionPath, 'dist', 'debugAdapter.js');
  if (!existsSync(file)) return undefined;
  // Do not load a bundle that does not export the class: it might start a stdio session on load.
  if (!readFileSync(file, 'utf8').includes('NetnsDebugSession')) return undefined;
  try {
    const mod = createRequire(__filename)(file) as { NetnsDebugSession?: unknown };
    return typeof mod.NetnsDebugSession === 'function' ? (mod.NetnsDebugSession as SessionClass) : undefined;
  } catch (e) {
    outputChannel().appendLine(`Could not load the inline debug adapter: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

class NetnsAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const kind = vscode.workspace.getConfiguration('netnsDebugger').get<string>('debugAdapter', 'inline');
    if (kind !== 'process') {
      const Session = loadInlineSession(this.extensionPath);
      if (Session) return new vscode.DebugAdapterInlineImplementation(new Session());
      outputChannel().appendLine('The inline debug adapter is not available; starting dist/debugAdapter.js as a process.');
    }
    const adapter = join(this.extensionPath, 'dist', 'debugAdapter.js');
    if (!existsSync(adapter)) {
      throw new Error('The packet debugger is not available yet: dist/debugAdapter.js is not built.');
    }
    // The extension host's own binary runs as Node with ELECTRON_RUN_AS_NODE (in code-server it is node).
    return new vscode.DebugAdapterExecutable(process.execPath, [adapter], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  }
}

/** The "Run and Debug" drop-down (dynamic configurations): one entry per probe of the active file. */
const dynamicProbes: vscode.DebugConfigurationProvider = {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.languageId !== 'netns' || doc.isUntitled) return [];
    return findProbes(doc.getText()).map((p) => ({
      type: 'netns',
      request: 'launch',
      name: `Debug probe ${p.name}`,
      topology: doc.uri.fsPath,
      probe: p.name,
      stopOnEntry: true,
    }));
  },
};

export function registerDebugging(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('netns', new NetnsConfigurationProvider(context.extensionPath)),
    vscode.debug.registerDebugConfigurationProvider('netns', dynamicProbes, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory('netns', new NetnsAdapterFactory(context.extensionPath)),
  );
}
