# Builds Qrt on Windows: the PowerShell mirror of build.sh (same commands, same steps).
# Usage: ./build.ps1 [build|test|demo|bench|bindings|publish|clean] [extra arguments for demo/bench]
#
# Environment: QRT_CUDA=AUTO|ON|OFF (default AUTO), QRT_BUILD_DIR (default build/native),
#              QRT_JOBS (default: all processors).
# Needs CMake, Visual Studio 2022 (MSVC) with the C++ workload, the .NET 10 SDK, and for the CUDA backend the
# CUDA toolkit. Untested on the project's Linux build machines, which cannot run PowerShell.
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench', 'bindings', 'publish', 'clean', 'help')]
    [string] $Command = 'build',
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $Rest = @()
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

$Root = $PSScriptRoot
$BuildDir = if ($env:QRT_BUILD_DIR) { $env:QRT_BUILD_DIR } else { 'build/native' }
$CudaMode = if ($env:QRT_CUDA) { $env:QRT_CUDA } else { 'AUTO' }
$Jobs = if ($env:QRT_JOBS) { $env:QRT_JOBS } else { [Environment]::ProcessorCount }
$Configuration = 'Release'

function Log([string] $Message) { Write-Host "`n== $Message" }

function Invoke-Checked([string] $Program, [string[]] $Arguments) {
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Build-Native {
    Log "libqrt: configure (QRT_CUDA=$CudaMode)"
    Invoke-Checked cmake @('-S', '.', '-B', $BuildDir, "-DQRT_CUDA=$CudaMode")
    Log 'libqrt: build'
    Invoke-Checked cmake @('--build', $BuildDir, '--config', $Configuration, '--parallel', "$Jobs")
}

function Build-Managed {
    Log 'managed: build'
    Invoke-Checked dotnet @('build', 'Runtime.sln', '-c', $Configuration, "-p:QrtNativeBuildDirectory=$Root/$BuildDir/lib/", '--nologo', '-v', 'quiet')
}

function Invoke-Tests {
    Log 'native tests (CTest)'
    Invoke-Checked ctest @('--test-dir', $BuildDir, '-C', $Configuration, '--output-on-failure', '--parallel', "$Jobs")
    Log 'managed tests (NUnit)'
    Invoke-Checked dotnet @('test', 'Runtime.sln', '-c', $Configuration, '--no-build', '--nologo')
}

function Invoke-Qrt([string[]] $Arguments) {
    Invoke-Checked dotnet (@("managed/Qrt.Cli/bin/$Configuration/net10.0/qrt.dll") + $Arguments)
}

switch ($Command) {
    'build' { Build-Native; Build-Managed }
    'test' { Build-Native; Build-Managed; Invoke-Tests }
    'demo' {
        Build-Native; Build-Managed
        Log 'qrt info'; Invoke-Qrt @('info')
        Log 'qrt synth: a tiny Mistral checkpoint with random weights, W4A16 (compressed-tensors pack-quantized)'
        Invoke-Qrt @('synth', '--arch', 'mistral', '--scheme', 'w4a16', '--out', 'artifacts/demo-mistral-w4a16', '--force')
        Log 'qrt generate (random weights: the text means nothing)'
        Invoke-Qrt (@('generate', '--model', 'artifacts/demo-mistral-w4a16', '--prompt', 'Tell me about the sea.', '--max-tokens', '24', '--seed', '1') + $Rest)
    }
    'bench' { Build-Native; Log 'qrt-bench'; Invoke-Checked "$BuildDir/native/bench/$Configuration/qrt-bench.exe" $Rest }
    'bindings' {
        Log 'bindings: regenerate from native/include/qrt.h'
        Invoke-Checked dotnet @('run', '--project', 'bindings/Qrt.Bindings.Generator', '-c', $Configuration, '--',
            '--header', 'native/include/qrt.h', '--output', 'bindings/Qrt.Bindings/QrtNative.g.cs')
    }
    'publish' {
        Build-Native
        Log 'publish: qrt (NativeAOT, win-x64) into artifacts/qrt-win-x64'
        Invoke-Checked dotnet @('publish', 'managed/Qrt.Cli', '-c', $Configuration, '-r', 'win-x64', '-p:PublishAot=true',
            "-p:QrtNativeBuildDirectory=$Root/$BuildDir/lib/", '-o', 'artifacts/qrt-win-x64', '--nologo')
    }
    'clean' { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue build, artifacts }
    'help' { Get-Content $PSCommandPath -TotalCount 8 | ForEach-Object { $_ -replace '^# ?', '' } }
}
