import type { GeneratedFile } from '../../proto/index.js';

/** Said wherever the mobile project appears, so nobody mistakes it for a tested build. */
export const MOBILE_NOT_BUILT =
  'iOS and Android builds were NOT run: they need Xcode (macOS) and the Android SDK, which autodev does not have. The Capacitor project is generated and its commands documented, untested.';

/** A Capacitor shell around the Vite build of the web front end in web/. */
export function capacitorFiles(name: string): GeneratedFile[] {
  const appId = `com.autodev.${name.replace(/-/g, '').slice(0, 30) || 'app'}`;
  const config = { appId, appName: name, webDir: 'web/dist', bundledWebRuntime: false };
  return [
    { path: 'capacitor.config.json', content: `${JSON.stringify(config, null, 2)}\n` },
    {
      path: 'MOBILE.md',
      content: `# Mobile apps (Capacitor)

> ${MOBILE_NOT_BUILT}

The web front end in \`web/\` is wrapped by Capacitor (\`capacitor.config.json\`, app id \`${appId}\`).

## Build

\`\`\`sh
npm install @capacitor/core @capacitor/cli @capacitor/android @capacitor/ios
npx vite build web --outDir dist          # writes web/dist, Capacitor's webDir
npx cap add android                        # once; needs the Android SDK
npx cap add ios                            # once; needs macOS with Xcode and CocoaPods
npx cap sync                               # after every web build
npx cap open android                       # build and sign in Android Studio
npx cap open ios                           # build and sign in Xcode
\`\`\`

Release builds: \`cd android && ./gradlew assembleRelease\` (signing config required);
for iOS, archive in Xcode (Product → Archive) with a distribution certificate.
`,
    },
  ];
}
