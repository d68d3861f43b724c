#!/bin/sh
# Regenerates the per-codec fixtures of tests/analyzer/test_codecs.py: one 4 s mono arpeggio (a tone per
# quarter second, so Chromaprint sees changing chroma), encoded untagged into every codec the scan accepts.
# Lossless copies at 11025 Hz (Chromaprint's own rate) keep them small. Run from this folder; needs ffmpeg with libmp3lame/libvorbis/libopus.
set -e
tone="aevalsrc=exprs='0.4*exp(-6*mod(t,0.25))*sin(2*PI*220*pow(2,(st(0,floor(mod(t*4,8)));if(eq(ld(0),0),0,if(eq(ld(0),1),4,if(eq(ld(0),2),7,if(eq(ld(0),3),12,if(eq(ld(0),4),9,if(eq(ld(0),5),5,if(eq(ld(0),6),2,14))))))))/12)*t)':s=22050:d=4"
enc() { out=$1; shift; ffmpeg -v error -nostdin -y -f lavfi -i "$tone" -ac 1 -map_metadata -1 -fflags +bitexact "$@" "$out"; }
enc short.mp3 -c:a libmp3lame -b:a 24k
enc short.m4a -c:a aac -b:a 24k
enc short.ogg -c:a libvorbis -q:a 0
enc short.opus -c:a libopus -b:a 16k
enc short.wma -c:a wmav2 -b:a 24k
enc short-alac.m4a -ar 11025 -sample_fmt s16p -c:a alac
enc short.flac -ar 11025 -sample_fmt s16 -c:a flac -compression_level 12
enc short.wv -ar 11025 -sample_fmt s16p -c:a wavpack
enc short.wav -ar 11025 -c:a pcm_s16le
enc short.aiff -ar 11025 -c:a pcm_s16be
